/** Upgrade checks (Origin, subprotocol), plain HTTP answers and rejection logging. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { ORIGIN, closeOf, connectClient, openClient, startEchoTarget, startTestBridge, type TcpTarget, type TestBridge } from './helpers.js';

/** Resolves with the HTTP status of a refused WebSocket handshake. */
async function refusedStatus(ws: WebSocket): Promise<number> {
  ws.on('error', () => {});
  const [, res] = (await Promise.race([
    once(ws, 'unexpected-response'),
    once(ws, 'open').then(() => {
      throw new Error('the handshake was accepted');
    }),
  ])) as [unknown, IncomingMessage];
  res.resume();
  ws.terminate();
  return res.statusCode ?? 0;
}

describe('upgrade handling', { timeout: 20_000 }, () => {
  let target: TcpTarget;
  let tb: TestBridge;
  const secondOrigin = 'http://localhost:5173';

  before(async () => {
    target = await startEchoTarget();
    tb = await startTestBridge({ target: { host: '127.0.0.1', port: target.port }, allowedOrigins: [ORIGIN, secondOrigin] });
  });
  after(async () => {
    await tb.bridge.close();
    await target.close();
  });

  test('the url reports the bound port', () => {
    assert.equal(tb.bridge.url, `ws://127.0.0.1:${tb.bridge.port}`);
    assert.ok(tb.bridge.port > 0);
  });

  test('wrong Origin -> 403, logged, no tunnel', async () => {
    const status = await refusedStatus(connectClient(tb.bridge.url, { origin: 'https://evil.example' }));
    assert.equal(status, 403);
    const record = tb.records.at(-1);
    assert.deepEqual(
      record && { ...record, time: undefined },
      { event: 'upgrade_rejected', time: undefined, ip: '127.0.0.1', origin: 'https://evil.example', status: 403, reason: 'origin_denied' },
    );
    assert.equal(tb.bridge.tunnels().length, 0);
  });

  test('Origin must match exactly (no trailing slash, case, or port variants)', async () => {
    for (const origin of [`${ORIGIN}/`, ORIGIN.toUpperCase(), `${ORIGIN}:443`, 'https://portal.example.org.evil.example', 'null']) {
      assert.equal(await refusedStatus(connectClient(tb.bridge.url, { origin })), 403, origin);
    }
  });

  test('missing Origin -> 403', async () => {
    const ws = new WebSocket(tb.bridge.url, ['binary']); // ws sends no Origin unless asked
    assert.equal(await refusedStatus(ws), 403);
    const record = tb.records.at(-1);
    assert.equal(record?.event, 'upgrade_rejected');
    assert.equal(record.reason, 'origin_missing');
    assert.equal('origin' in record, false);
  });

  test('every configured origin is accepted', async () => {
    const ws = await openClient(tb.bridge.url, { origin: secondOrigin });
    ws.close();
    await closeOf(ws);
    assert.equal((await tb.nextClosed()).origin, secondOrigin);
  });

  test("'binary' offered -> echoed", async () => {
    const ws = await openClient(tb.bridge.url, { protocols: ['base64', 'binary'] });
    assert.equal(ws.protocol, 'binary');
    ws.close();
    await tb.nextClosed();
  });

  test('no subprotocol offered -> accepted without one', async () => {
    const ws = await openClient(tb.bridge.url, { protocols: [] });
    assert.equal(ws.protocol, '');
    ws.close();
    await tb.nextClosed();
  });

  test("only other subprotocols offered -> 400", async () => {
    assert.equal(await refusedStatus(connectClient(tb.bridge.url, { protocols: ['base64'] })), 400);
    assert.equal(tb.records.at(-1)?.reason, 'subprotocol_unsupported');
  });

  test('any path is accepted', async () => {
    const ws = await openClient(`${tb.bridge.url}/some/path?x=1`);
    ws.close();
    await tb.nextClosed();
  });

  test('plain HTTP request -> 426 Upgrade Required', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      request(`http://127.0.0.1:${tb.bridge.port}/`, resolve).on('error', reject).end();
    });
    res.resume();
    assert.equal(res.statusCode, 426);
    assert.equal(res.headers.upgrade, 'websocket');
  });
});

describe('shutdown', { timeout: 20_000 }, () => {
  test('after close() the port no longer accepts connections', async () => {
    const target = await startEchoTarget();
    const tb = await startTestBridge({ target: { host: '127.0.0.1', port: target.port } });
    await tb.bridge.close();
    await tb.bridge.close(); // idempotent
    const ws = connectClient(tb.bridge.url);
    const [err] = (await once(ws, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
    await target.close();
  });
});
