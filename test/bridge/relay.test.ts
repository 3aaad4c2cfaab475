/** Tunnel behaviour: relaying, ordering, close codes, timeouts and flow control. Real sockets on 127.0.0.1. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns';
import { connect, type LookupFunction, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { TUNNEL_CLOSE, TUNNEL_MAX_BUFFERED_BYTES, TUNNEL_MAX_PAYLOAD_BYTES } from '../../shared/tunnel.js';
import {
  closeOf,
  closedPort,
  collect,
  openClient,
  sendChunked,
  startEchoTarget,
  startTarget,
  startTestBridge,
  waitFor,
  type TcpTarget,
  type TestBridge,
} from './helpers.js';

const MiB = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
function track<T extends TcpTarget | TestBridge>(thing: T): T {
  if ('bridge' in thing) cleanups.push(() => thing.bridge.close());
  else cleanups.push(() => thing.close());
  return thing;
}

/** A connect hook whose DNS step takes `delayMs`, so the socket stays "connecting" that long. */
function slowConnect(delayMs: number) {
  const slowLookup: LookupFunction = (host, options, callback) => {
    setTimeout(() => lookup(host, options, callback), delayMs);
  };
  return (t: { host: string; port: number }): Socket => connect({ host: t.host, port: t.port, lookup: slowLookup });
}

describe('relay', { timeout: 60_000 }, () => {
  test('echoes 5 MiB both ways byte for byte', async () => {
    const target = track(await startEchoTarget());
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    assert.equal(ws.protocol, 'binary');
    const payload = randomBytes(5 * MiB);
    const got = collect(ws);
    sendChunked(ws, payload);
    await waitFor(() => got.received() >= payload.length, 20_000, 'echo');
    assert.ok(got.bytes().equals(payload), 'echoed bytes differ');
    ws.close(1000);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'client_closed');
    assert.equal(record.code, 1000);
    assert.equal(record.bytesUp, payload.length);
    assert.equal(record.bytesDown, payload.length);
    assert.equal(record.origin, 'https://portal.example.org');
    assert.equal(record.ip, '127.0.0.1');
  });

  test('queues bytes sent before the target connection is up and delivers them in order', async () => {
    const target = track(await startEchoTarget());
    const tb = track(
      await startTestBridge({ target: { host: 'localhost', port: target.port } }, { connect: slowConnect(300) }),
    );
    const ws = await openClient(tb.bridge.url);
    const messages = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    for (const m of messages) ws.send(m);
    const expected = Buffer.concat(messages);
    const got = collect(ws);
    await waitFor(() => tb.bridge.tunnels().length === 1, 2_000, 'tunnel');
    assert.equal(tb.bridge.tunnels()[0]!.connected, false, 'target should still be connecting');
    await waitFor(() => got.received() >= expected.length, 5_000, 'echo');
    assert.ok(got.bytes().equals(expected));
    ws.close();
    await tb.nextClosed();
  });

  test('target closing ends the tunnel with 1000 after every byte was delivered', async () => {
    const payload = randomBytes(3 * MiB);
    const target = track(await startTarget((socket) => socket.end(payload)));
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    const got = collect(ws);
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.NORMAL);
    assert.ok(got.bytes().equals(payload), `received ${got.received()} of ${payload.length}`);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'target_closed');
    assert.equal(record.code, TUNNEL_CLOSE.NORMAL);
    assert.equal(record.bytesDown, payload.length);
  });

  test('client closing delivers its bytes and ends the target connection', async () => {
    let resolveEnd!: (bytes: Buffer) => void;
    const ended = new Promise<Buffer>((r) => (resolveEnd = r));
    const target = track(
      await startTarget((socket) => {
        const chunks: Buffer[] = [];
        socket.on('data', (d: Buffer) => chunks.push(d));
        socket.on('end', () => resolveEnd(Buffer.concat(chunks)));
      }),
    );
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    const payload = randomBytes(512 * 1024);
    sendChunked(ws, payload);
    ws.close(1000);
    const received = await ended;
    assert.ok(received.equals(payload));
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'client_closed');
    assert.equal(record.code, 1000);
    assert.equal(record.bytesUp, payload.length);
  });

  test('target down: closes with 4000 quickly', async () => {
    const port = await closedPort();
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port } }));
    const started = Date.now();
    const ws = await openClient(tb.bridge.url);
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.TARGET_UNREACHABLE);
    assert.ok(Date.now() - started < 2_000, 'took too long');
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'target_unreachable');
    assert.equal(record.code, TUNNEL_CLOSE.TARGET_UNREACHABLE);
    assert.equal(record.error, 'ECONNREFUSED');
  });

  test('connect timeout: closes with 4000', async () => {
    const target = track(await startEchoTarget());
    const tb = track(
      await startTestBridge(
        { target: { host: 'localhost', port: target.port }, connectTimeoutMs: 100 },
        { connect: slowConnect(2_000) },
      ),
    );
    const ws = await openClient(tb.bridge.url);
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.TARGET_UNREACHABLE);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'connect_timeout');
  });

  test('target error after connect: closes with 4001', async () => {
    const target = track(await startTarget((socket) => setTimeout(() => socket.resetAndDestroy(), 50)));
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.TARGET_ERROR);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'target_error');
    assert.equal(record.error, 'ECONNRESET');
  });

  test('a text frame closes the tunnel with 1003', async () => {
    const target = track(await startEchoTarget());
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    ws.send('hello');
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.UNSUPPORTED_DATA);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'text_frame');
    assert.equal(record.bytesUp, 0);
  });

  test('a message larger than TUNNEL_MAX_PAYLOAD_BYTES closes the tunnel with 1009', async () => {
    const target = track(await startEchoTarget());
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    ws.send(Buffer.alloc(TUNNEL_MAX_PAYLOAD_BYTES + 1));
    const { code } = await closeOf(ws);
    assert.equal(code, 1009);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'client_error');
    assert.equal(record.error, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
  });

  test('many small messages in one read arrive in order; idle tunnels own no timers', async () => {
    const target = track(await startEchoTarget());
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const clients = await Promise.all(Array.from({ length: 20 }, () => openClient(tb.bridge.url)));
    await waitFor(() => tb.bridge.tunnels().filter((t) => t.connected).length === 20, 2_000, 'tunnels');
    // Deadlines are checked by one shared sweep, not by timers per tunnel.
    assert.ok(timers() - before < 5, `${timers() - before} timers for 20 idle tunnels`);
    // 200 messages sent at once reach the bridge in a few reads: batched writes keep their order.
    const [ws] = clients;
    const got = collect(ws!);
    const messages = Array.from({ length: 200 }, (_, i) => Buffer.alloc(1 + (i % 37), i));
    for (const m of messages) ws!.send(m);
    const expected = Buffer.concat(messages);
    await waitFor(() => got.received() >= expected.length, 5_000, 'echo');
    assert.ok(got.bytes().equals(expected));
    for (const c of clients) c.close();
    for (let i = 0; i < clients.length; i++) await tb.nextClosed();
  });

  test('idle timeout closes with 4002', async () => {
    const target = track(await startEchoTarget());
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port }, idleTimeoutMs: 500 }));
    const ws = await openClient(tb.bridge.url);
    const got = collect(ws);
    // Traffic keeps it alive...
    for (let i = 0; i < 4; i++) {
      ws.send(Buffer.from([i]));
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ws.readyState, ws.OPEN);
    assert.equal(got.received(), 4);
    // ...silence does not.
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.IDLE_TIMEOUT);
    assert.equal((await tb.nextClosed()).reason, 'idle_timeout');
  });

  test('slow client: reading from the target pauses, memory stays bounded, nothing is lost', async () => {
    const total = 50 * MiB;
    const block = randomBytes(64 * 1024);
    let written = 0; // bytes the target has handed to its kernel
    const target = track(
      await startTarget((socket) => {
        const pump = (): void => {
          while (written < total) {
            const ok = socket.write(block, () => {});
            written += block.length;
            if (!ok) return void socket.once('drain', pump);
          }
          socket.end();
        };
        pump();
      }),
    );
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    ws.pause(); // stop reading: the bridge's writes to us back up
    const got = collect(ws);

    // Wait until the pipeline is stalled: no progress from the target for 300 ms.
    let last = -1;
    await waitFor(
      () => {
        const stalled = written === last;
        last = written;
        return stalled;
      },
      10_000,
      'the target to stall',
    );
    await new Promise((r) => setTimeout(r, 300));
    const [snapshot] = tb.bridge.tunnels();
    assert.ok(snapshot);
    assert.equal(snapshot.targetPaused, true, 'the bridge should have paused the target socket');
    assert.ok(
      snapshot.bufferedToClient <= TUNNEL_MAX_BUFFERED_BYTES + 256 * 1024,
      `bridge holds ${snapshot.bufferedToClient} bytes for the client`,
    );
    // Only kernel socket buffers (a few MiB on loopback) plus the bridge's limit are in flight.
    assert.ok(written < 32 * MiB, `target managed to write ${written} bytes`);
    assert.ok(snapshot.bytesDown < 24 * MiB, `bridge read ${snapshot.bytesDown} bytes from the target`);

    ws.resume();
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.NORMAL);
    assert.equal(got.received(), total);
    for (const chunk of [got.bytes().subarray(0, block.length), got.bytes().subarray(total - block.length)]) {
      assert.ok(chunk.equals(block));
    }
    assert.equal((await tb.nextClosed()).bytesDown, total);
  });

  test('slow target: reading from the client pauses, nothing is lost', async () => {
    let targetSocket: Socket | undefined;
    let received = 0;
    const target = track(
      await startTarget((socket) => {
        targetSocket = socket;
        socket.pause();
        socket.on('data', (d: Buffer) => (received += d.length));
      }),
    );
    const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port } }));
    const ws = await openClient(tb.bridge.url);
    const total = 40 * MiB;
    sendChunked(ws, Buffer.alloc(total, 7), 64 * 1024);
    await waitFor(() => tb.bridge.tunnels()[0]?.clientPaused === true, 10_000, 'the bridge to pause the client');
    await new Promise((r) => setTimeout(r, 300));
    const [snapshot] = tb.bridge.tunnels();
    assert.ok(snapshot);
    assert.ok(snapshot.bufferedToTarget <= TUNNEL_MAX_BUFFERED_BYTES, `bridge holds ${snapshot.bufferedToTarget} bytes for the target`);
    assert.ok(snapshot.bytesUp < 24 * MiB, `bridge read ${snapshot.bytesUp} bytes from the client`);
    assert.ok(ws.bufferedAmount > 0, 'the client should still hold unsent bytes');

    assert.ok(targetSocket);
    targetSocket.resume();
    await waitFor(() => received === total, 20_000, 'all bytes at the target');
    ws.close();
    assert.equal((await tb.nextClosed()).bytesUp, total);
  });

  test('close() shuts tunnels down with 4005', async () => {
    const target = track(await startEchoTarget());
    const tb = await startTestBridge({ target: { host: '127.0.0.1', port: target.port } });
    const ws = await openClient(tb.bridge.url);
    const closing = closeOf(ws);
    await tb.bridge.close();
    assert.equal((await closing).code, TUNNEL_CLOSE.SHUTDOWN);
    assert.equal((await tb.nextClosed()).reason, 'shutdown');
    assert.equal(tb.bridge.tunnels().length, 0);
    await waitFor(() => target.sockets[0]!.closed, 2_000, 'the target connection to close');
  });
});
