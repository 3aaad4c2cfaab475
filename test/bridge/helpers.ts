/** Shared fixtures for the bridge tests: local TCP targets and WebSocket clients on 127.0.0.1. */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket, type ClientOptions } from 'ws';
import { startBridge, type BridgeHandle, type BridgeHooks } from '../../bridge/server.js';
import type { BridgeConfigInput } from '../../bridge/config.js';
import type { BridgeLogRecord, TunnelClosedRecord } from '../../bridge/log.js';

export const ORIGIN = 'https://portal.example.org';

export interface TcpTarget {
  readonly port: number;
  readonly sockets: Socket[];
  close(): Promise<void>;
}

/** Starts a TCP server on 127.0.0.1:0 running `onSocket` for each connection. */
export async function startTarget(onSocket: (socket: Socket) => void): Promise<TcpTarget> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return {
    port: address.port,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function startEchoTarget(): Promise<TcpTarget> {
  return startTarget((socket) => socket.pipe(socket));
}

/** A port on 127.0.0.1 with nothing listening (bound then released). */
export async function closedPort(): Promise<number> {
  const target = await startTarget(() => {});
  await target.close();
  return target.port;
}

export interface TestBridge {
  readonly bridge: BridgeHandle;
  readonly records: BridgeLogRecord[];
  /** Resolves with the next tunnel_closed record (or one already logged and not yet taken). */
  nextClosed(): Promise<TunnelClosedRecord>;
}

export async function startTestBridge(
  config: Partial<BridgeConfigInput> & Pick<BridgeConfigInput, 'target'>,
  hooks: Omit<BridgeHooks, 'log'> = {},
): Promise<TestBridge> {
  const records: BridgeLogRecord[] = [];
  const closed: TunnelClosedRecord[] = [];
  const waiters: ((r: TunnelClosedRecord) => void)[] = [];
  const bridge = await startBridge(
    { listen: { host: '127.0.0.1', port: 0 }, allowedOrigins: [ORIGIN], ...config },
    {
      ...hooks,
      log: (record) => {
        records.push(record);
        if (record.event !== 'tunnel_closed') return;
        const waiter = waiters.shift();
        if (waiter) waiter(record);
        else closed.push(record);
      },
    },
  );
  return {
    bridge,
    records,
    nextClosed: () => {
      const ready = closed.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

export function connectClient(url: string, options: ClientOptions & { protocols?: string[] } = {}): WebSocket {
  const { protocols, ...rest } = options;
  return new WebSocket(url, protocols ?? ['binary'], { origin: ORIGIN, ...rest });
}

export async function openClient(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<WebSocket> {
  const ws = connectClient(url, options);
  await once(ws, 'open');
  return ws;
}

/** Resolves with the close code and reason the client saw. */
export async function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  if (ws.readyState === WebSocket.CLOSED) throw new Error('already closed');
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: reason.toString() };
}

/** Collects every binary message until the socket closes. */
export function collect(ws: WebSocket): { chunks: Buffer[]; bytes(): Buffer; received(): number } {
  const chunks: Buffer[] = [];
  let received = 0;
  ws.on('message', (data: Buffer) => {
    chunks.push(data);
    received += data.length;
  });
  return { chunks, bytes: () => Buffer.concat(chunks), received: () => received };
}

/** Polls `predicate` every 10 ms until true, failing after `ms`. */
export async function waitFor(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends `data` in `size`-byte binary messages (TLS-record-sized by default). */
export function sendChunked(ws: WebSocket, data: Buffer, size = 16 * 1024): void {
  for (let i = 0; i < data.length; i += size) ws.send(data.subarray(i, i + size), { binary: true });
}
