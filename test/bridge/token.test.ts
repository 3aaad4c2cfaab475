/** Gateway tokens: mint/verify (shared/tunnel-token.ts) and the bridge enforcing them with --token-secret. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tunnelSubprotocols } from '../../shared/tunnel.js';
import { mintTunnelToken, verifyTunnelToken } from '../../shared/tunnel-token.js';
import { isMyProxyWebError } from '../../shared/errors.js';
import { closeOf, connectClient, openClient, startEchoTarget, startTestBridge, type TcpTarget, type TestBridge } from './helpers.js';
import { refusedStatus } from './refused.js';

const SECRET = 'a test secret that is long enough for hmac-sha256!';
const NOW = Date.UTC(2030, 0, 1);

describe('mintTunnelToken / verifyTunnelToken', () => {
  test('round trip with subject and route; token characters fit a subprotocol name', async () => {
    const token = await mintTunnelToken({ secret: SECRET, subject: 'alice', route: '/a', ttlSeconds: 60, now: NOW });
    assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const result = await verifyTunnelToken(token, { secret: SECRET, route: '/a', now: NOW + 59_000 });
    assert.deepEqual(result, { ok: true, claims: { iat: NOW / 1000, exp: NOW / 1000 + 60, sub: 'alice', route: '/a' } });
  });

  test('refusals, each with its reason', async () => {
    const token = await mintTunnelToken({ secret: SECRET, route: '/a', ttlSeconds: 60, now: NOW });
    const verify = (t: string, opts: { route?: string; now?: number; secret?: string } = {}) =>
      verifyTunnelToken(t, { secret: opts.secret ?? SECRET, route: opts.route ?? '/a', now: opts.now ?? NOW });
    assert.deepEqual(await verify(token, { now: NOW + 60_000 }), { ok: false, reason: 'expired' });
    assert.deepEqual(await verify(token, { now: NOW - 31_000 }), { ok: false, reason: 'not_yet_valid' });
    assert.deepEqual(await verify(token, { route: '/b' }), { ok: false, reason: 'wrong_route' });
    assert.deepEqual(await verify(token, { secret: `${SECRET}x` }), { ok: false, reason: 'bad_signature' });
    // One character changed anywhere: never accepted.
    for (let i = 3; i < token.length; i += 7) {
      const c = token[i] === 'A' ? 'B' : 'A';
      const r = await verify(token.slice(0, i) + c + token.slice(i + 1));
      assert.equal(r.ok, false, `tampered at ${i}`);
    }
    for (const junk of ['', 'v1', 'v1..', 'v2.a.b', 'v1.!!.??', `${token}.x`, 'x'.repeat(5000)]) {
      assert.deepEqual(await verify(junk), { ok: false, reason: junk === 'v1..' ? 'bad_signature' : 'malformed' }, junk.slice(0, 20));
    }
  });

  test('an unbound token is valid for any route', async () => {
    const token = await mintTunnelToken({ secret: SECRET, ttlSeconds: 10, now: NOW });
    assert.equal((await verifyTunnelToken(token, { secret: SECRET, route: '/x', now: NOW })).ok, true);
  });

  test('bad mint options are BAD_INPUT', async () => {
    for (const opts of [{ ttlSeconds: 0 }, { ttlSeconds: 3601 }, { ttlSeconds: 1.5 }, { ttlSeconds: 10, secret: 'short' }, { ttlSeconds: 10, route: 'a' }]) {
      await assert.rejects(mintTunnelToken({ secret: SECRET, ...opts }), (e: unknown) => isMyProxyWebError(e) && e.code === 'BAD_INPUT');
    }
  });
});

describe('bridge with --token-secret', { timeout: 20_000 }, () => {
  let target: TcpTarget;
  let tb: TestBridge;
  before(async () => {
    target = await startEchoTarget();
    tb = await startTestBridge({ routes: [{ path: '/a', target: { host: '127.0.0.1', port: target.port } }, { path: '/b', target: { host: '127.0.0.1', port: target.port } }], tokenSecret: SECRET });
  });
  after(async () => {
    await tb.bridge.close();
    await target.close();
  });

  test('a valid token opens the tunnel; only binary is echoed', async () => {
    const token = await mintTunnelToken({ secret: SECRET, route: '/a', ttlSeconds: 30 });
    const ws = await openClient(`${tb.bridge.url}/a`, { protocols: tunnelSubprotocols(token) });
    assert.equal(ws.protocol, 'binary');
    ws.close();
    const record = await tb.nextClosed();
    assert.equal(record.route, '/a');
    assert.ok(!JSON.stringify(tb.records).includes(token), 'the token must never be logged');
  });

  test('missing, invalid, expired and wrong-route tokens get 401 before any tunnel', async () => {
    const wrongRoute = await mintTunnelToken({ secret: SECRET, route: '/b', ttlSeconds: 30 });
    const expired = await mintTunnelToken({ secret: SECRET, ttlSeconds: 30, now: Date.now() - 60_000 });
    const cases: [string[], string, string?][] = [
      [['binary'], 'token_missing'],
      [tunnelSubprotocols('v1.garbage.garbage'), 'token_invalid', 'bad_signature'],
      [tunnelSubprotocols('v2.x.y'), 'token_invalid', 'malformed'],
      [tunnelSubprotocols(wrongRoute), 'token_invalid', 'wrong_route'],
      [tunnelSubprotocols(expired), 'token_invalid', 'expired'],
    ];
    for (const [protocols, reason, detail] of cases) {
      assert.equal(await refusedStatus(connectClient(`${tb.bridge.url}/a`, { protocols })), 401, reason);
      const record = tb.records.at(-1);
      assert.ok(record?.event === 'upgrade_rejected');
      assert.equal(record.reason, reason);
      assert.equal(record.detail, detail);
    }
    assert.equal(tb.bridge.tunnels().length, 0);
    assert.match(tb.bridge.metrics(), /myproxy_bridge_rejections_total\{reason="token_invalid"\} 4/);
  });

  test('two tokens offered -> 400', async () => {
    const token = await mintTunnelToken({ secret: SECRET, ttlSeconds: 30 });
    const protocols = [...tunnelSubprotocols(token), `myproxy-token.${token}x`];
    assert.equal(await refusedStatus(connectClient(`${tb.bridge.url}/a`, { protocols })), 400);
  });

  test('the tunnel still relays', async () => {
    const token = await mintTunnelToken({ secret: SECRET, ttlSeconds: 30 });
    const ws = await openClient(`${tb.bridge.url}/b`, { protocols: tunnelSubprotocols(token) });
    ws.send(Buffer.from('hi'));
    const data = await new Promise<Buffer>((r) => ws.once('message', (d: Buffer) => r(d)));
    assert.equal(data.toString(), 'hi');
    ws.close();
    await closeOf(ws).catch(() => {});
    await tb.nextClosed();
  });
});
