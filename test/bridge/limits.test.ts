/** Routes, connection limits, per-tunnel limits, heartbeat, /healthz and /metrics. Real sockets on 127.0.0.1. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { TUNNEL_CLOSE } from '../../shared/tunnel.js';
import { ORIGIN, closeOf, closedPort, collect, connectClient, openClient, startEchoTarget, startTarget, startTestBridge, waitFor, type TcpTarget, type TestBridge } from './helpers.js';
import { refusedStatus } from './refused.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
function track<T extends TcpTarget | TestBridge>(thing: T): T {
  cleanups.push('bridge' in thing ? () => thing.bridge.close() : () => thing.close());
  return thing;
}
async function echoBridge(extra: Parameters<typeof startTestBridge>[0] extends infer C ? Partial<C> : never = {}): Promise<{ target: TcpTarget; tb: TestBridge }> {
  const target = track(await startEchoTarget());
  const tb = track(await startTestBridge({ target: { host: '127.0.0.1', port: target.port }, ...extra }));
  return { target, tb };
}
function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, res }));
    }).on('error', reject);
  });
}
const httpUrl = (tb: TestBridge): string => tb.bridge.url.replace(/^ws/, 'http');

describe('routes', { timeout: 20_000 }, () => {
  test('each path goes to its own target; other paths get 404', async () => {
    const a = track(await startTarget((s) => s.end('from a')));
    const b = track(await startTarget((s) => s.end('from b')));
    const tb = track(await startTestBridge({ routes: [{ path: '/a', target: { host: '127.0.0.1', port: a.port } }, { path: '/b/c', target: { host: '127.0.0.1', port: b.port } }] }));
    for (const [path, expected] of [['/a', 'from a'], ['/b/c?x=1', 'from b']] as const) {
      const ws = await openClient(`${tb.bridge.url}${path}`);
      const got = collect(ws);
      await closeOf(ws);
      assert.equal(got.bytes().toString(), expected);
      assert.equal((await tb.nextClosed()).route, path.split('?')[0]);
    }
    for (const path of ['/', '/a/', '/b', '/A', '/a%2F..%2Fb/c']) {
      assert.equal(await refusedStatus(connectClient(`${tb.bridge.url}${path}`)), 404, path);
      assert.equal(tb.records.at(-1)?.reason, 'route_unknown');
    }
  });
});

describe('connection limits', { timeout: 30_000 }, () => {
  test('per-IP and total limits: 429 / 503, logged and counted, slots freed on close', async () => {
    const { tb } = await echoBridge({ maxConnections: 3, maxConnectionsPerIp: 2 });
    const first = await Promise.all([openClient(tb.bridge.url), openClient(tb.bridge.url)]);
    assert.equal(await refusedStatus(connectClient(tb.bridge.url)), 429);
    assert.equal(tb.records.at(-1)?.reason, 'too_many_per_ip');
    first[0]!.close();
    await tb.nextClosed();
    await waitFor(() => tb.bridge.tunnels().length === 1, 2_000, 'slot release');
    const again = await openClient(tb.bridge.url);
    assert.match(tb.bridge.metrics(), /myproxy_bridge_rejections_total\{reason="too_many_per_ip"\} 1/);
    for (const ws of [first[1]!, again]) ws.close();
    await tb.nextClosed();
    await tb.nextClosed();
  });

  test('X-Forwarded-For from a trusted proxy identifies clients; the total limit gives 503', async () => {
    const { tb } = await echoBridge({ maxConnections: 2, maxConnectionsPerIp: 1, trustProxy: ['127.0.0.1'] });
    const as = (ip: string) => ({ headers: { 'X-Forwarded-For': `6.6.6.6, ${ip}` } });
    const a = await openClient(tb.bridge.url, as('10.0.0.1'));
    assert.equal(await refusedStatus(connectClient(tb.bridge.url, as('10.0.0.1'))), 429);
    const b = await openClient(tb.bridge.url, as('10.0.0.2'));
    assert.equal(await refusedStatus(connectClient(tb.bridge.url, as('10.0.0.3'))), 503);
    const refused = tb.records.at(-1);
    assert.ok(refused?.event === 'upgrade_rejected');
    assert.equal(refused.reason, 'too_many_connections');
    assert.equal(refused.ip, '10.0.0.3');
    a.close();
    b.close();
    const ips = [(await tb.nextClosed()).ip, (await tb.nextClosed()).ip].sort();
    assert.deepEqual(ips, ['10.0.0.1', '10.0.0.2']);
  });

  test('without --trust-proxy, X-Forwarded-For is ignored', async () => {
    const { tb } = await echoBridge();
    const ws = await openClient(tb.bridge.url, { headers: { 'X-Forwarded-For': '10.9.9.9' } });
    ws.close();
    assert.equal((await tb.nextClosed()).ip, '127.0.0.1');
  });

  test('new connections per IP per minute: 429 beyond the rate', async () => {
    const { tb } = await echoBridge({ connectionsPerIpPerMinute: 3 });
    for (let i = 0; i < 3; i++) {
      const ws = await openClient(tb.bridge.url);
      ws.close();
      await tb.nextClosed();
    }
    assert.equal(await refusedStatus(connectClient(tb.bridge.url)), 429);
    assert.equal(tb.records.at(-1)?.reason, 'rate_limited');
  });
});

describe('per-tunnel limits', { timeout: 30_000 }, () => {
  test('maximum lifetime closes with 4003 even with traffic', async () => {
    const { tb } = await echoBridge({ maxLifetimeMs: 400 });
    const ws = await openClient(tb.bridge.url);
    const timer = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(Buffer.from([1])), 50);
    const { code } = await closeOf(ws);
    clearInterval(timer);
    assert.equal(code, TUNNEL_CLOSE.LIFETIME_EXCEEDED);
    assert.equal((await tb.nextClosed()).reason, 'lifetime_exceeded');
  });

  test('byte allowance closes with 4004', async () => {
    const { tb } = await echoBridge({ maxBytesPerConnection: 10_000 });
    const ws = await openClient(tb.bridge.url);
    ws.send(Buffer.alloc(4_000));
    ws.send(Buffer.alloc(4_000)); // 8,000 up + echoes down > 10,000
    const { code } = await closeOf(ws);
    assert.equal(code, TUNNEL_CLOSE.LIMIT_EXCEEDED);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'byte_limit');
    assert.ok(record.bytesUp + record.bytesDown > 10_000);
  });

  test('too many fragments in one message: 1008 (ws WS_ERR_TOO_MANY_BUFFERED_PARTS)', async () => {
    const { tb } = await echoBridge({ maxFragments: 4 });
    const ws = await openClient(tb.bridge.url);
    for (let i = 0; i < 6; i++) ws.send(Buffer.alloc(10), { fin: i === 5 });
    assert.equal((await closeOf(ws)).code, 1008);
    const record = await tb.nextClosed();
    assert.equal(record.reason, 'client_error');
    assert.equal(record.error, 'WS_ERR_TOO_MANY_BUFFERED_PARTS');
  });

  test('heartbeat: a client that stops answering pings is dropped; one that answers stays', async () => {
    const { tb } = await echoBridge({ heartbeatIntervalMs: 150 });
    const alive = await openClient(tb.bridge.url);
    const dead = await openClient(tb.bridge.url, { autoPong: false });
    const { code } = await closeOf(dead);
    assert.equal(code, 1006);
    assert.equal((await tb.nextClosed()).reason, 'heartbeat_timeout');
    assert.equal(alive.readyState, WebSocket.OPEN);
    alive.close();
    await tb.nextClosed();
  });

  test('slowloris: an upgrade request never finished is dropped after the upgrade timeout', async () => {
    const { tb } = await echoBridge({ upgradeTimeoutMs: 300 });
    const socket = connect(tb.bridge.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nOrigin: ${ORIGIN}\r\n`);
    const started = Date.now();
    const drip = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 50);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => {});
    await once(socket, 'close');
    clearInterval(drip);
    assert.ok(Date.now() - started < 2_000, `held ${Date.now() - started} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.match(tb.bridge.metrics(), /rejections_total\{reason="upgrade_timeout"\} 1/);
  });
});

describe('/healthz and /metrics', { timeout: 20_000 }, () => {
  test('healthz: 200 when the target answers, 503 when it does not; metrics count tunnels and bytes', async () => {
    const { tb } = await echoBridge();
    const ok = await httpGet(`${httpUrl(tb)}/healthz`);
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).ok, true);

    const ws = await openClient(tb.bridge.url);
    const got = collect(ws);
    ws.send(Buffer.alloc(100));
    await waitFor(() => got.received() === 100, 2_000, 'echo');
    let m = (await httpGet(`${httpUrl(tb)}/metrics`)).body;
    assert.match(m, /^myproxy_bridge_tunnels_open 1$/m);
    ws.close();
    await tb.nextClosed();
    m = (await httpGet(`${httpUrl(tb)}/metrics`)).body;
    for (const line of ['myproxy_bridge_tunnels_open 0', 'myproxy_bridge_tunnels_total 1', 'myproxy_bridge_bytes_total{direction="up"} 100', 'myproxy_bridge_bytes_total{direction="down"} 100', 'myproxy_bridge_tunnels_closed_total{reason="client_closed"} 1']) {
      assert.ok(m.split('\n').includes(line), `missing '${line}' in\n${m}`);
    }
    assert.match(m, /# TYPE myproxy_bridge_bytes_total counter/);

    const down = track(await startTestBridge({ target: { host: '127.0.0.1', port: await closedPort() } }));
    const bad = await httpGet(`${httpUrl(down)}/healthz`);
    assert.equal(bad.status, 503);
    assert.deepEqual(Object.values(JSON.parse(bad.body).targets), ['ECONNREFUSED']);
  });
});
