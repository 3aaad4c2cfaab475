/**
 * The deployment of docs/deploy.md, for real: Debian's nginx terminating TLS in front of
 * two myproxy-bridge instances on loopback, and a browser logon through it; then the same
 * logon through Debian's python websockify instead of our bridge. A real myproxy-server
 * answers. Needs `npm run build` first (the page loads dist/).
 */
import { expect, test, type Page } from '@playwright/test';
import { WebSocket } from 'ws';
import { startBridge, type BridgeHandle } from '../../bridge/server.js';
import type { BridgeLogRecord, TunnelClosedRecord } from '../../bridge/log.js';
import { startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { startNginx, type NginxFront } from '../fixtures/nginx.js';
import { startStaticServer, type StaticServer } from '../fixtures/static-server.js';
import { startWebsockify, type Websockify } from '../fixtures/websockify.js';

// nginx serves a self-signed certificate for 127.0.0.1.
test.use({ ignoreHTTPSErrors: true });

let server: MyProxyServerFixture;
let page0: StaticServer;
const stops: (() => Promise<void>)[] = [];

test.beforeAll(async () => {
  server = await startMyProxyServer();
  stops.push(() => server.stop());
  page0 = await startStaticServer({ connectSrc: ['ws://127.0.0.1:*', 'wss://127.0.0.1:*'] });
  stops.push(() => page0.close());
  page0.setRoute('/trust-roots.pem', { body: server.caCertPem, contentType: 'application/x-pem-file' });
});

test.afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
});

function configure(bridge: string): void {
  const config = { bridge, server: server.serverName, trustRootsUrl: '/trust-roots.pem', username: server.user.username };
  page0.setRoute('/demo-config.json', { body: JSON.stringify(config), contentType: 'application/json; charset=utf-8' });
}

/** Loads the demo page, submits the pass phrase, returns the element's first event. */
async function logon(page: Page): Promise<{ type: string; code?: string; message?: string; subject?: string }> {
  await page.goto(`${page0.origin}/`);
  await page.waitForFunction(() => document.documentElement.dataset['demoReady'] === 'true');
  await page.evaluate(() => {
    const w = window as unknown as { __events: unknown[] };
    w.__events = [];
    document.addEventListener('myproxy-logon-success', (e) => w.__events.push({ type: e.type, subject: e.detail.subject }));
    document.addEventListener('myproxy-logon-error', (e) => w.__events.push({ type: e.type, code: e.detail.code, message: e.detail.message }));
  });
  await page.getByLabel('Pass phrase').fill(server.user.passphrase);
  await page.getByRole('button', { name: 'Get credential' }).click();
  await page.waitForFunction(() => (window as unknown as { __events: unknown[] }).__events.length > 0, null, { timeout: 60_000 });
  return page.evaluate(() => (window as unknown as { __events: { type: string }[] }).__events[0]!);
}

test('nginx (TLS) in front of two bridges: browser logons are spread over both', async ({ page }) => {
  const records: BridgeLogRecord[][] = [[], []];
  const bridges: BridgeHandle[] = [];
  for (const log of records) {
    const bridge = await startBridge(
      { target: { host: server.host, port: server.port }, listen: { host: '127.0.0.1', port: 0 }, allowedOrigins: [page0.origin], trustProxy: ['127.0.0.1'] },
      { log: (r) => log.push(r) },
    );
    stops.push(() => bridge.close());
    bridges.push(bridge);
  }
  const nginx: NginxFront = await startNginx(bridges.map((b) => b.port));
  stops.push(() => nginx.stop());
  configure(nginx.url);

  for (let i = 0; i < 2; i++) {
    const event = await logon(page);
    expect(event, JSON.stringify(event)).toMatchObject({ type: 'myproxy-logon-success' });
    expect(event.subject).toContain('CN=Alice');
  }
  const closed = records.map((log) => log.filter((r): r is TunnelClosedRecord => r.event === 'tunnel_closed'));
  await expect.poll(() => closed.map((c) => c.length).join(','), { message: nginx.errorLog() }).toBe('1,1');
  for (const [record] of closed) {
    expect(record!.origin).toBe(page0.origin);
    expect(record!.ip).toBe('127.0.0.1'); // from X-Forwarded-For, set by nginx
    expect(record!.bytesUp).toBeGreaterThan(1000);
    expect(record!.bytesDown).toBeGreaterThan(1000);
  }

  // /healthz through the front answers from a bridge.
  const health = await page.request.get(`https://127.0.0.1:${nginx.port}/healthz`);
  expect(health.status()).toBe(200);
  expect((await health.json()).ok).toBe(true);

  // Another origin is refused by the bridge behind nginx (403 passed through). nginx overwrites
  // X-Forwarded-For, so the forged address is not what the bridge logs.
  const status = await new Promise<number>((resolve) => {
    const client = new WebSocket(nginx.url, ['binary'], { origin: 'https://evil.example', rejectUnauthorized: false, headers: { 'X-Forwarded-For': '203.0.113.9' } });
    client.on('error', () => {});
    client.on('open', () => resolve(101));
    client.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
  });
  expect(status).toBe(403);
  const rejected = records.flat().find((r) => r.event === 'upgrade_rejected');
  expect(rejected).toMatchObject({ reason: 'origin_denied', ip: '127.0.0.1', status: 403 });
});

test('the element also works through Debian websockify', async ({ page }) => {
  const ws: Websockify = await startWebsockify({ host: server.host, port: server.port });
  stops.push(() => ws.stop());
  configure(ws.url);
  const event = await logon(page);
  expect(event, JSON.stringify(event)).toMatchObject({ type: 'myproxy-logon-success' });
  expect(event.subject).toContain('CN=Alice');
});
