/**
 * The bridge's HTTP server: checks each upgrade request, then hands accepted WebSockets
 * to a relay (relay.ts) connected to the one configured target.
 *
 * Every check happens in the HTTP 'upgrade' handler, before the WebSocket is accepted:
 *   1. Origin: the header must be present and equal (as a string) to an allowed origin,
 *      else 403. Browsers always send Origin on WebSocket requests, so this stops other
 *      web pages from using the bridge; it is not authentication against non-browser
 *      clients (the MyProxy server authenticates users itself).
 *   2. Subprotocol: `binary` is echoed when offered; offering only other subprotocols
 *      gets 400; offering none is accepted without a subprotocol.
 * Any request path is accepted (the bridge serves one target). Plain HTTP requests that
 * are not upgrades get 426 Upgrade Required.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, createServer, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { TUNNEL_CLOSE, TUNNEL_SUBPROTOCOL } from '../shared/tunnel.js';
import { formatHostPort, resolveConfig, type BridgeConfig, type BridgeConfigInput, type HostPort } from './config.js';
import { stdoutLogger, type BridgeLogger, type UpgradeRejectedReason } from './log.js';
import { startRelay, type Tunnel, type TunnelSnapshot } from './relay.js';

/** Injection points, for tests and embedding. */
export interface BridgeHooks {
  /** Receives every log record; default: one JSON line on stdout. */
  readonly log?: BridgeLogger;
  /** Opens the TCP connection to the target; default: `net.connect`. */
  readonly connect?: (target: HostPort) => Socket;
}

export interface BridgeHandle {
  /** `ws://host:port` of the listening socket (any path is accepted). */
  readonly url: string;
  readonly port: number;
  readonly config: BridgeConfig;
  /** Stops accepting, closes every tunnel with 4005 and resolves when all are closed. */
  close(): Promise<void>;
  /** The open tunnels, for tests and operators. */
  tunnels(): TunnelSnapshot[];
}

/** Time an HTTP client has to send complete request headers (half-sent upgrades are dropped). */
const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node checks that timeout (its default, 30 s, lets stalled upgrades linger). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/** After close(), tunnels still open this long are dropped without a closing handshake. */
const SHUTDOWN_GRACE_MS = 3_000;

function parseSubprotocols(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Writes a minimal HTTP error response on a not-yet-upgraded socket and closes it. */
function refuse(socket: Duplex, status: number, extraHeaders: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${STATUS_CODES[status] ?? 'Error'}\n`;
  const headers = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...extraHeaders,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`);
}

export async function startBridge(input: BridgeConfigInput, hooks: BridgeHooks = {}): Promise<BridgeHandle> {
  const config = resolveConfig(input);
  const log = hooks.log ?? stdoutLogger;
  const openTarget = hooks.connect ?? ((t: HostPort) => netConnect({ host: t.host, port: t.port }));
  const allowedOrigins = new Set(config.allowedOrigins);
  const tunnels = new Map<string, Tunnel>();
  const tunnelsDone = new Set<() => void>();
  let stopping = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPayloadBytes,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (offered) => (offered.has(TUNNEL_SUBPROTOCOL) ? TUNNEL_SUBPROTOCOL : false),
  });

  const server = createServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: HEADERS_TIMEOUT_MS, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
    (_req, res) => {
      // Not a WebSocket upgrade: this endpoint serves nothing else.
      const body = 'myproxy-bridge accepts WebSocket connections only\n';
      res.writeHead(426, {
        Upgrade: 'websocket',
        Connection: 'close',
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    },
  );
  server.on('clientError', (_err, socket) => refuse(socket, 400));

  function reject(req: IncomingMessage, socket: Duplex, status: number, reason: UpgradeRejectedReason): void {
    const origin = req.headers.origin;
    log({
      event: 'upgrade_rejected',
      time: new Date().toISOString(),
      ip: req.socket.remoteAddress ?? '',
      ...(origin !== undefined && { origin }),
      status,
      reason,
    });
    refuse(socket, status);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (stopping) return reject(req, socket, 503, 'shutting_down');
    if (origin === undefined) return reject(req, socket, 403, 'origin_missing');
    if (!allowedOrigins.has(origin)) return reject(req, socket, 403, 'origin_denied');
    const offered = parseSubprotocols(req.headers['sec-websocket-protocol']);
    if (offered.length > 0 && !offered.includes(TUNNEL_SUBPROTOCOL)) {
      return reject(req, socket, 400, 'subprotocol_unsupported');
    }
    // ws answers malformed handshakes (bad version, key, ...) with 400 itself.
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => accept(ws, req, origin));
  });

  function accept(ws: WebSocket, req: IncomingMessage, origin: string): void {
    const id = randomUUID().slice(0, 8);
    let socket: Socket;
    try {
      socket = openTarget(config.target);
    } catch {
      // Only a broken connect hook throws; net.connect reports failures as 'error' events.
      ws.close(TUNNEL_CLOSE.TARGET_UNREACHABLE, 'target unreachable');
      return;
    }
    const tunnel = startRelay({
      id,
      ip: req.socket.remoteAddress ?? '',
      origin,
      ws,
      socket,
      connectTimeoutMs: config.connectTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxBufferedBytes: config.maxBufferedBytes,
      onClosed: (record) => {
        tunnels.delete(id);
        log(record);
        if (tunnels.size === 0) for (const done of tunnelsDone) done();
      },
    });
    tunnels.set(id, tunnel);
    if (stopping) tunnel.close('shutdown');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `ws://${formatHostPort({ host: config.listen.host, port })}`;

  let closed: Promise<void> | undefined;
  async function close(): Promise<void> {
    stopping = true;
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // plain HTTP connections; upgraded sockets belong to tunnels
    const allTunnelsClosed = new Promise<void>((resolve) => {
      if (tunnels.size === 0) return resolve();
      tunnelsDone.add(resolve);
    });
    for (const tunnel of tunnels.values()) tunnel.close('shutdown');
    const grace = setTimeout(() => {
      for (const tunnel of tunnels.values()) tunnel.destroy();
    }, SHUTDOWN_GRACE_MS);
    await allTunnelsClosed;
    clearTimeout(grace);
    await serverClosed;
    wss.close();
  }

  return {
    url,
    port,
    config,
    close: () => (closed ??= close()),
    tunnels: () => [...tunnels.values()].map((t) => t.snapshot()),
  };
}
