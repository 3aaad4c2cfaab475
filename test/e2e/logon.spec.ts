/**
 * <myproxy-logon> end to end in chromium: the demo page, the bridge in-process and a real
 * myproxy-server (test/fixtures/demo-stack.ts). The credential is checked with openssl.
 * Needs `npm run build` first (the page loads dist/).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { freePort } from '../fixtures/free-port.js';
import { certificateModulus, pemLabels, privateKeyModulus, x509NotAfter } from '../fixtures/openssl-inspect.js';

const run = promisify(execFile);

interface RecordedEvent {
  type: 'myproxy-logon-success' | 'myproxy-logon-error';
  /** Success: { pem, subject, notAfter (ISO) }; error: { code, message }. */
  detail: { pem?: string; subject?: string; notAfter?: string; code?: string; message?: string };
}

interface PageRecorder {
  events: RecordedEvent[];
  statuses: string[];
  buttonWasDisabled: boolean;
  cspViolations: string[];
  /** Steps of the myproxy-logon-progress events, in order. */
  steps: string[];
}

declare global {
  interface Window {
    __recorder: PageRecorder;
  }
}

let stack: DemoStack;
let scratch: string;

test.beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'myproxy-web-e2e-'));
  stack = await startDemoStack();
});

test.afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/**
 * Opens the demo page once /demo-config.json is applied, sets `attributes` on the element,
 * and records its events (on document: they bubble and are composed), the status texts, the
 * button's disabled state and CSP violations.
 */
async function openDemo(page: Page, attributes: Record<string, string> = {}): Promise<void> {
  await page.goto(stack.pageUrl);
  await page.waitForFunction(() => document.documentElement.dataset['demoReady'] === 'true');
  await page.evaluate((attrs) => {
    const recorder: PageRecorder = { events: [], statuses: [], buttonWasDisabled: false, cspViolations: [], steps: [] };
    window.__recorder = recorder;
    document.addEventListener('securitypolicyviolation', (e) => recorder.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    document.addEventListener('myproxy-logon-success', (e) => {
      const { pem, subject, notAfter } = e.detail;
      recorder.events.push({ type: 'myproxy-logon-success', detail: { ...(pem !== undefined ? { pem } : {}), subject, notAfter: notAfter.toISOString() } });
    });
    document.addEventListener('myproxy-logon-progress', (e) => recorder.steps.push(e.detail.step));
    document.addEventListener('myproxy-logon-error', (e) => {
      recorder.events.push({ type: 'myproxy-logon-error', detail: { code: e.detail.code, message: e.detail.message } });
    });
    const element = document.querySelector('myproxy-logon')!;
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
    const root = element.shadowRoot!;
    const status = root.querySelector('[part="status"]')!;
    const button = root.querySelector('button[type="submit"]') as HTMLButtonElement;
    new MutationObserver(() => {
      const text = status.textContent?.trim() ?? '';
      if (text && recorder.statuses.at(-1) !== text) recorder.statuses.push(text);
      if (button.disabled) recorder.buttonWasDisabled = true;
    }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  }, attributes);
}

async function submit(page: Page, passphrase: string, username?: string): Promise<void> {
  if (username !== undefined) await page.getByLabel('Username').fill(username);
  await page.getByLabel('Pass phrase').fill(passphrase);
  await page.getByRole('button', { name: 'Get credential' }).click();
}

/** Waits for the element's first event and returns it. */
async function outcome(page: Page, timeoutMs = 60_000): Promise<RecordedEvent> {
  await page.waitForFunction(() => window.__recorder.events.length > 0, null, { timeout: timeoutMs });
  return page.evaluate(() => window.__recorder.events[0]!);
}

async function expectError(page: Page, code: string, timeoutMs?: number): Promise<RecordedEvent> {
  const event = await outcome(page, timeoutMs);
  expect(event.type, `expected an error event, got ${JSON.stringify(event)}`).toBe('myproxy-logon-error');
  expect(event.detail.code, `message: ${event.detail.message}`).toBe(code);
  const alert = page.getByRole('alert');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(code);
  await expect(page.locator('myproxy-logon [part="result"]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Get credential' })).toBeEnabled();
  const all = await page.evaluate(() => window.__recorder.events);
  expect(all.filter((e) => e.type === 'myproxy-logon-success')).toHaveLength(0);
  return event;
}

test('the form is accessible and the pass phrase never stays in the page', async ({ page }) => {
  // A dead bridge: this test is about the form, not the protocol.
  const deadPort = await freePort();
  await openDemo(page, { bridge: `ws://127.0.0.1:${deadPort}` });

  const username = page.getByLabel('Username');
  const passphrase = page.getByLabel('Pass phrase');
  await expect(username).toHaveValue(stack.username);
  await expect(passphrase).toHaveAttribute('type', 'password');
  await expect(passphrase).toHaveAttribute('autocomplete', 'current-password');
  await expect(page.getByRole('status')).toHaveAttribute('aria-live', 'polite');
  await expect(page.getByRole('button', { name: 'Get credential' })).toBeEnabled();

  await submit(page, 'a secret pass phrase');
  await expect(passphrase).toHaveValue('');
  await expectError(page, 'TRANSPORT_CONNECT_FAILED');
  const leaks = await page.evaluate(() => {
    const element = document.querySelector('myproxy-logon')!;
    const attributes = element.getAttributeNames().map((n) => `${n}=${element.getAttribute(n)}`);
    const props = Object.keys(element).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(element)));
    return {
      attributes: attributes.filter((a) => a.includes('secret')),
      props: props.filter((p) => /pass/i.test(p)),
      html: document.documentElement.outerHTML.includes('a secret pass phrase'),
      shadow: element.shadowRoot!.innerHTML.includes('a secret pass phrase'),
    };
  });
  expect(leaks).toEqual({ attributes: [], props: [], html: false, shadow: false });
});

test('logon: credential from the event and the download, checked with openssl', async ({ page }) => {
  const consoleProblems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleProblems.push(message.text());
  });
  page.on('pageerror', (error) => consoleProblems.push(error.message));
  await openDemo(page);
  await submit(page, stack.passphrase);
  await expect(page.getByLabel('Pass phrase')).toHaveValue('');

  const event = await outcome(page);
  expect(event.type, JSON.stringify(event.detail)).toBe('myproxy-logon-success');
  const { pem, subject, notAfter } = event.detail as { pem: string; subject: string; notAfter: string };

  // The page showed each step, with the button disabled meanwhile.
  const recorder = await page.evaluate(() => window.__recorder);
  expect(recorder.steps).toEqual(['generating-key', 'connecting', 'handshake', 'requesting', 'done']);
  for (const step of ['Connecting…', `Verifying server ${stack.server.serverName}…`, 'Requesting credential…']) {
    expect(recorder.statuses, `statuses seen: ${JSON.stringify(recorder.statuses)}`).toContain(step);
  }
  expect(recorder.buttonWasDisabled).toBe(true);
  expect(recorder.cspViolations).toEqual([]);

  // The result box: subject and the expiry the server issued.
  const result = page.locator('myproxy-logon [part="result"]');
  await expect(result).toBeVisible();
  await expect(result).toContainText(subject);
  expect(subject).toContain('CN=Alice');
  const shownIso = await result.locator('code.not-after-iso').textContent();
  expect(shownIso).toBe(notAfter);
  await expect(result.locator('.not-after time')).toHaveAttribute('datetime', notAfter);

  // The Download button saves the same PEM as credential.pem.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download PEM' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('credential.pem');
  const downloadedPath = path.join(scratch, 'credential.pem');
  await download.saveAs(downloadedPath);
  const downloaded = await readFile(downloadedPath, 'utf8');
  expect(downloaded).toBe(pem);

  // Order: the issued certificate, its PKCS#1 key, then the chain.
  const labels = pemLabels(downloaded);
  expect(labels.slice(0, 3)).toEqual(['CERTIFICATE', 'RSA PRIVATE KEY', 'CERTIFICATE']);
  expect(labels.slice(2).every((l) => l === 'CERTIFICATE')).toBe(true);

  // The key belongs to the certificate.
  expect(await certificateModulus(downloadedPath)).toBe(await privateKeyModulus(downloadedPath));

  // The chain verifies to the test CA (the issued certificate is a proxy certificate).
  const certificates = [...downloaded.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)].map((m) => m[0]);
  const leafPath = path.join(scratch, 'leaf.pem');
  const chainPath = path.join(scratch, 'chain.pem');
  await writeFile(leafPath, certificates[0]!);
  await writeFile(chainPath, certificates.slice(1).join(''));
  const verified = await run('openssl', ['verify', '-allow_proxy_certs', '-CAfile', stack.server.caCertPath, '-untrusted', chainPath, leafPath]);
  expect(verified.stdout.trim()).toBe(`${leafPath}: OK`);

  // The expiry shown is the certificate's.
  expect((await x509NotAfter(downloadedPath)).getTime()).toBe(new Date(notAfter).getTime());

  // A clean run leaves nothing in the console (no CSP reports, no Lit warnings, no 404s).
  expect(consoleProblems).toEqual([]);
});

test('wrong pass phrase: MYPROXY_AUTH_FAILED', async ({ page }) => {
  await openDemo(page);
  await submit(page, `${stack.passphrase}-wrong`);
  await expectError(page, 'MYPROXY_AUTH_FAILED');
});

test('unknown user: MYPROXY_AUTH_FAILED', async ({ page }) => {
  await openDemo(page);
  await submit(page, stack.passphrase, 'nobody-of-that-name');
  await expectError(page, 'MYPROXY_AUTH_FAILED');
});

test('MyProxy server unreachable from the bridge: TRANSPORT_CLOSED, quickly', async ({ page }) => {
  const deadPort = await freePort();
  const bridge = await stack.startExtraBridge({ host: '127.0.0.1', port: deadPort });
  await openDemo(page, { bridge: bridge.url });
  const started = Date.now();
  await submit(page, stack.passphrase);
  const event = await expectError(page, 'TRANSPORT_CLOSED', 20_000);
  expect(Date.now() - started).toBeLessThan(20_000);
  expect(event.detail.message).toMatch(/could not reach the MyProxy server/);
});

test('bridge not running: TRANSPORT_CONNECT_FAILED', async ({ page }) => {
  const deadPort = await freePort();
  await openDemo(page, { bridge: `ws://127.0.0.1:${deadPort}` });
  await submit(page, stack.passphrase);
  const event = await expectError(page, 'TRANSPORT_CONNECT_FAILED', 20_000);
  expect(event.detail.message).toContain(`ws://127.0.0.1:${deadPort}`);
});

test('server certificate from another CA: CERT_UNTRUSTED', async ({ page }) => {
  const dir = await mkdtemp(path.join(scratch, 'other-ca-'));
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', '/O=Elsewhere/CN=Some Other CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'ca.pem'),
  ]);
  stack.setRoute('/other-ca.pem', { body: await readFile(path.join(dir, 'ca.pem'), 'utf8'), contentType: 'application/x-pem-file' });
  await openDemo(page, { 'trust-roots': '/other-ca.pem' });
  await submit(page, stack.passphrase);
  await expectError(page, 'CERT_UNTRUSTED');
});

for (const name of ['wronghost', '127.0.0.1']) {
  test(`server name ${name} not in the certificate: CERT_NAME_MISMATCH`, async ({ page }) => {
    await openDemo(page, { server: name });
    await submit(page, stack.passphrase);
    await expectError(page, 'CERT_NAME_MISMATCH');
  });
}

test('trust roots that cannot be loaded: BAD_INPUT before any connection', async ({ page }) => {
  await openDemo(page, { 'trust-roots': '/no-such-bundle.pem' });
  await submit(page, stack.passphrase);
  const event = await expectError(page, 'BAD_INPUT');
  expect(event.detail.message).toContain('404');
});
