/**
 * <myproxy-logon> with a bridge that requires gateway tokens (--token-secret): the page gets a
 * short-lived token minted by the gateway's back end (shared/tunnel-token.ts) through the
 * element's bridgeToken property; without a valid one the bridge refuses the tunnel.
 */
import { expect, test } from '@playwright/test';
import { startBridge, type BridgeHandle } from '../../bridge/server.js';
import { mintTunnelToken } from '../../shared/tunnel-token.js';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { expectSuccess, openElement, outcome, submit } from './element-helpers.js';

const SECRET = 'test-secret-of-at-least-32-bytes-0123456789';
let stack: DemoStack;
let tokenBridge: BridgeHandle;

test.beforeAll(async () => {
  stack = await startDemoStack();
  tokenBridge = await startBridge(
    {
      target: { host: stack.server.host, port: stack.server.port },
      allowedOrigins: [stack.origin],
      listen: { host: '127.0.0.1', port: 0 },
      tokenSecret: SECRET,
    },
    { log: () => {} },
  );
});

test.afterAll(async () => {
  await tokenBridge?.close();
  await stack?.stop();
});

async function setToken(page: import('@playwright/test').Page, token: string): Promise<void> {
  await page.evaluate((value) => {
    (document.querySelector('myproxy-logon') as HTMLElement & { bridgeToken: string }).bridgeToken = value;
  }, token);
}

test('a valid gateway token opens the tunnel and the logon succeeds', async ({ page }) => {
  await openElement(page, stack, { bridge: tokenBridge.url });
  await setToken(page, await mintTunnelToken({ secret: SECRET, subject: 'alice', ttlSeconds: 60 }));
  await submit(page, stack.passphrase);
  const success = await expectSuccess(page);
  expect(success.subject).toContain('/CN=Alice');
});

test('no token, or one signed with another secret, is refused before any TLS byte', async ({ page }) => {
  for (const token of ['', await mintTunnelToken({ secret: `${SECRET}-other`, ttlSeconds: 60 })]) {
    await openElement(page, stack, { bridge: tokenBridge.url });
    await setToken(page, token);
    await submit(page, stack.passphrase);
    const event = await outcome(page);
    expect(event.type).toBe('error');
    expect(event.detail['code']).toBe('TRANSPORT_CONNECT_FAILED');
  }
});
