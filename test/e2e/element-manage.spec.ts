/**
 * The Manage view, the Credential name field and the trust bootstrap of <myproxy-logon>, against
 * the real myproxy-server (test/fixtures/demo-stack.ts). The stored credentials are set up and
 * checked with the native tools (myproxy-init -k, myproxy-info) authenticated as Alice.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, test, type Page } from '@playwright/test';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { runProcess, type ProcessResult } from '../fixtures/process.js';
import { events, expectSuccess, openElement, outcome, submit } from './element-helpers.js';

const run = promisify(execFile);

let stack: DemoStack;
let scratch: string;

/** A native MyProxy tool against the fixture, authenticated as Alice. */
function native(name: string, args: string[], input?: string): Promise<ProcessResult> {
  const { server } = stack;
  return runProcess(`/usr/bin/${name}`, ['-s', 'localhost', '-p', String(server.port), '-l', stack.username, ...args], {
    env: { ...server.nativeEnv, X509_USER_CERT: server.user.certPath, X509_USER_KEY: server.user.keyPath },
    ...(input !== undefined ? { input } : {}),
    timeoutMs: 60_000,
  });
}

/** Stores Alice's credential again under `name` with the native myproxy-init -k. */
async function storeNamed(name: string, passphrase: string, description: string): Promise<void> {
  const result = await native('myproxy-init', ['-S', '-k', name, '-K', description, '-c', '168', '-t', '12'], `${passphrase}\n`);
  expect(result.code, `myproxy-init -k ${name}: ${result.stdout}\n${result.stderr}`).toBe(0);
}

/** What native myproxy-info lists: one `owner:` block per credential, with `name:` unless it is the default one. */
async function nativeInfo(): Promise<{ name: string; owner: string }[]> {
  const result = await native('myproxy-info', []);
  expect(result.code, `myproxy-info: ${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout
    .split(/^(?=owner: )/m)
    .filter((block) => block.startsWith('owner: '))
    .map((block) => ({ owner: /^owner: (.*)$/m.exec(block)![1]!, name: /^\s+name: (.*)$/m.exec(block)?.[1] ?? 'default' }));
}

async function nativeNames(): Promise<string[]> {
  return (await nativeInfo()).map((c) => c.name);
}

test.beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'myproxy-web-manage-'));
  stack = await startDemoStack();
  // A CA that signed nothing here, as the page's only trust root: the server's chain is untrusted.
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', '/O=Elsewhere/CN=Some Other CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', path.join(scratch, 'other-ca.key'), '-out', path.join(scratch, 'other-ca.pem'),
  ]);
  stack.setRoute('/other-ca.pem', { body: await readFile(path.join(scratch, 'other-ca.pem'), 'utf8'), contentType: 'application/x-pem-file' });
});

test.afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const items = (page: Page) => page.locator('myproxy-logon [part~="manage-item"]');
const manageStatus = (page: Page) => page.locator('myproxy-logon [part~="manage-status"]');

async function logonAndOpenManage(page: Page, attributes: Record<string, string> = {}): Promise<void> {
  await openElement(page, stack, attributes);
  await submit(page, stack.passphrase);
  await expectSuccess(page);
  const toggle = page.getByRole('button', { name: 'Manage stored credentials' });
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await expect(manageStatus(page)).toContainText('stored credential(s)');
}

async function itemNames(page: Page): Promise<string[]> {
  return items(page).locator('.cred-name').allTextContents();
}

test('Manage lists the stored credentials with their owner, as native myproxy-info does', async ({ page }) => {
  await storeNamed('second', 'second pass phrase', 'the second one');
  const info = await nativeInfo();

  await logonAndOpenManage(page);
  expect((await itemNames(page)).sort()).toEqual(info.map((c) => c.name).sort());
  expect((await itemNames(page)).sort()).toEqual(['default', 'second']);
  const defaultItem = items(page).filter({ has: page.locator('.cred-name', { hasText: /^default$/ }) });
  const second = items(page).filter({ has: page.locator('.cred-name', { hasText: /^second$/ }) });
  await expect(defaultItem.locator('.cred-owner')).toHaveText(stack.server.user.subject);
  await expect(second.locator('.cred-owner')).toHaveText(stack.server.user.subject);
  await expect(second.locator('.cred-description')).toHaveText('the second one');
  // The owners native myproxy-info prints are the same DN.
  expect(info.map((c) => c.owner)).toEqual([stack.server.user.subject, stack.server.user.subject]);
  // Valid from / until are dates; the until date is the one native myproxy-info reports as time left (about 168 h).
  const end = new Date((await second.locator('.cred-end-iso').textContent())!);
  const start = new Date((await second.locator('.cred-start-iso').textContent())!);
  expect(end.getTime() - start.getTime()).toBeGreaterThan(160 * 3600_000);
  expect(Math.abs(start.getTime() - Date.now())).toBeLessThan(3600_000);

  // Refresh asks again; the list stays the same.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(manageStatus(page)).toHaveText('2 stored credential(s).');
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
});

test('change the pass phrase of a named credential: the new one works with credname, the old one fails', async ({ page }) => {
  const oldPassphrase = 'second pass phrase';
  const newPassphrase = 'a brand new pass phrase';
  await storeNamed('second', oldPassphrase, 'the second one');
  await logonAndOpenManage(page);
  await page.getByLabel('Credential', { exact: true }).selectOption('second');
  await page.getByRole('button', { name: 'Change pass phrase…' }).click();
  await expect(page.getByRole('group', { name: 'Change the pass phrase of second' })).toBeVisible();
  await expect.poll(() => page.evaluate(() => {
    let a: Element | null = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a?.id;
  })).toBe('manage-old');

  // Checked before anything is sent.
  await page.getByLabel('Current pass phrase').fill(oldPassphrase);
  await page.getByLabel('New pass phrase', { exact: true }).fill('short');
  await page.getByLabel('Repeat new pass phrase').fill('short');
  await page.getByRole('button', { name: 'Change pass phrase', exact: true }).click();
  await expect(page.locator('myproxy-logon [part~="field-error"]')).toHaveText('The new pass phrase needs at least 6 characters.');
  await expect(page.getByLabel('Current pass phrase')).toHaveValue('');

  // A wrong current pass phrase: the server's text, with its code.
  await page.getByLabel('Current pass phrase').fill('not the pass phrase');
  await page.getByLabel('New pass phrase', { exact: true }).fill(newPassphrase);
  await page.getByLabel('Repeat new pass phrase').fill(newPassphrase);
  await page.getByRole('button', { name: 'Change pass phrase', exact: true }).click();
  const alert = page.locator('myproxy-logon [part~="manage-error"]');
  await expect(alert).toHaveAttribute('role', 'alert');
  await expect(alert.locator('.code')).toHaveText('MYPROXY_AUTH_FAILED');
  await expect(alert.locator('.message')).not.toBeEmpty();
  for (const label of ['Current pass phrase', 'Repeat new pass phrase']) await expect(page.getByLabel(label)).toHaveValue('');

  await page.getByLabel('Current pass phrase').fill(oldPassphrase);
  await page.getByLabel('New pass phrase', { exact: true }).fill(newPassphrase);
  await page.getByLabel('Repeat new pass phrase').fill(newPassphrase);
  await page.getByRole('button', { name: 'Change pass phrase', exact: true }).click();
  await expect(manageStatus(page)).toHaveText('The pass phrase of second was changed.');
  await expect(alert).toHaveCount(0);
  await expect(page.locator('myproxy-logon [part~="manage-change-form"]')).toHaveCount(0);
  // The pass phrases are not in the element's properties or attributes.
  const leaked = await page.evaluate((secrets) => {
    const element = document.querySelector('myproxy-logon')!;
    const root = element.shadowRoot!;
    const strings = Object.values(element).filter((v): v is string => typeof v === 'string');
    const values = [...root.querySelectorAll('input')].map((input) => input.value);
    const text = [...strings, ...values, element.outerHTML, root.innerHTML].join('\n');
    return secrets.filter((secret) => text.includes(secret));
  }, [oldPassphrase, newPassphrase]);
  expect(leaked).toEqual([]);

  // A logon with credname second: the old pass phrase fails, the new one works.
  await openElement(page, stack, { credname: 'second' });
  await expect(page.getByLabel('Credential name (optional)')).toHaveValue('second');
  await submit(page, oldPassphrase);
  expect((await outcome(page)).detail['code']).toBe('MYPROXY_AUTH_FAILED');
  await page.evaluate(() => (window.__events = []));
  await submit(page, newPassphrase);
  const { subject } = await expectSuccess(page);
  expect(subject).toContain(stack.server.user.subject);
  // And the default credential still has its own pass phrase (field emptied: no CRED_NAME).
  await page.evaluate(() => (window.__events = []));
  await page.getByLabel('Credential name (optional)').fill('');
  await submit(page, stack.passphrase);
  await expectSuccess(page);
});

test('destroy a credential after confirming: gone from the list and from native myproxy-info', async ({ page }) => {
  await storeNamed('doomed', 'doomed pass phrase', 'to be destroyed');
  expect(await nativeNames()).toContain('doomed');
  await logonAndOpenManage(page);
  expect(await itemNames(page)).toContain('doomed');
  await page.getByLabel('Credential', { exact: true }).selectOption('doomed');
  await page.getByRole('button', { name: 'Destroy…' }).click();
  // The confirmation is a second button; Cancel has focus.
  const really = page.getByRole('button', { name: 'Really destroy doomed?' });
  await expect(really).toBeVisible();
  await page.locator('myproxy-logon [part~="manage-confirm-cancel"]').click();
  await expect(really).toHaveCount(0);
  expect(await itemNames(page)).toContain('doomed');

  await page.getByRole('button', { name: 'Destroy…' }).click();
  await really.click();
  await expect(manageStatus(page)).toHaveText(/^doomed was destroyed\. \d+ stored credential\(s\)\.$/);
  expect(await itemNames(page)).not.toContain('doomed');
  expect(await itemNames(page)).toContain('default');
  expect(await nativeNames()).not.toContain('doomed');
});

test('export="none": Manage works with the non-extractable key (TLS 1.2 client authentication)', async ({ page }) => {
  await logonAndOpenManage(page, { export: 'none' });
  await expect(page.locator('myproxy-logon [part~="note"]')).toBeVisible();
  expect(await itemNames(page)).toContain('default');
  const defaultItem = items(page).filter({ has: page.locator('.cred-name', { hasText: /^default$/ }) });
  await expect(defaultItem.locator('.cred-owner')).toHaveText(stack.server.user.subject);
  // Forget wipes the Manage view with the credential.
  await page.getByRole('button', { name: 'Forget' }).click();
  await expect(page.locator('myproxy-logon [part~="manage"]')).toHaveCount(0);
});

test('headless: client.manage(credential) lists, and rejects another user with the server text', async ({ page }) => {
  await openElement(page, stack);
  const result = await page.evaluate(
    async ({ bridge, server, passphrase, username }) => {
      const { createMyProxyLogon } = (await import('/dist/myproxy-logon-headless.js' as string)) as typeof import('../../web/headless.js');
      const client = createMyProxyLogon({ bridge, server, trustRoots: '/trust-roots.pem' });
      const credential = await client.logon({ username, passphrase, extractable: false });
      const list = await client.manage(credential, { username }).list();
      const other = await client.manage(credential, { username: 'nobody-here' }).list().then(
        () => 'no error',
        (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
      );
      return { names: list.map((c) => c.name ?? 'default'), owners: list.map((c) => c.owner), other };
    },
    { bridge: stack.bridgeUrl, server: stack.config.server, passphrase: stack.passphrase, username: stack.username },
  );
  expect(result.names).toContain('default');
  expect(new Set(result.owners)).toEqual(new Set([stack.server.user.subject]));
  expect(result.other).toMatch(/^MYPROXY_REJECTED: /);
});

test('bootstrap: the fingerprint shown is the CA\'s; Trust and continue logs on and fires myproxy-logon-trust', async ({ page }) => {
  const { stdout } = await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', stack.server.caCertPath]);
  const fingerprint = stdout.trim().split('=')[1]!;
  expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

  // Without allow-bootstrap the error stays as it is.
  await openElement(page, stack, { 'trust-roots': '/other-ca.pem' });
  await submit(page, stack.passphrase);
  expect((await outcome(page)).detail['code']).toBe('CERT_UNTRUSTED');
  await page.waitForTimeout(500);
  await expect(page.locator('myproxy-logon [part~="bootstrap"]')).toHaveCount(0);

  await openElement(page, stack, { 'trust-roots': '/other-ca.pem', 'allow-bootstrap': '' });
  await page.evaluate(() => document.addEventListener('myproxy-logon-trust', (e) => window.__events.push({ type: 'trust', detail: { ...(e as CustomEvent).detail } })));
  await submit(page, stack.passphrase);
  expect((await outcome(page)).detail['code']).toBe('CERT_UNTRUSTED');
  const offer = page.locator('myproxy-logon [part~="bootstrap"]');
  await expect(offer.getByRole('heading', { name: "Trust this server's CA?" })).toBeVisible();
  await expect(offer.locator('.fingerprint')).toHaveText([fingerprint]);
  await expect(offer.locator('.ca-subject')).toHaveText(['/O=myproxy-web test/CN=myproxy-web Test CA']);
  await expect(page.getByLabel('Pass phrase', { exact: true })).toHaveValue('');

  await page.getByRole('button', { name: 'Trust and continue' }).click();
  await expect.poll(async () => (await events(page)).some((e) => e.type === 'success')).toBe(true);
  await expect(page.locator('myproxy-logon [part="result"]')).toBeVisible();
  await expect(offer).toHaveCount(0);
  const trust = (await events(page)).filter((e) => e.type === 'trust');
  expect(trust).toHaveLength(1);
  expect(trust[0]!.detail['fingerprint']).toBe(fingerprint);
  expect(trust[0]!.detail['subject']).toBe('/O=myproxy-web test/CN=myproxy-web Test CA');
  const strip = (pem: string) => pem.replace(/\s+/g, '');
  expect(strip(String(trust[0]!.detail['pem']))).toBe(strip(stack.server.caCertPem));

  // The trust lasts for this element: Manage (another connection) works too.
  await page.getByRole('button', { name: 'Manage stored credentials' }).click();
  await expect(manageStatus(page)).toContainText('stored credential(s)');
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  // A new element (page reload) does not trust it.
  await openElement(page, stack, { 'trust-roots': '/other-ca.pem' });
  await submit(page, stack.passphrase);
  expect((await outcome(page)).detail['code']).toBe('CERT_UNTRUSTED');
});

test("bootstrap: Don't trust drops the offer and returns to the pass phrase", async ({ page }) => {
  await openElement(page, stack, { 'trust-roots': '/other-ca.pem', 'allow-bootstrap': '' });
  await submit(page, stack.passphrase);
  expect((await outcome(page)).detail['code']).toBe('CERT_UNTRUSTED');
  await page.getByRole('button', { name: "Don't trust" }).click();
  await expect(page.locator('myproxy-logon [part~="bootstrap"]')).toHaveCount(0);
  await expect(page.locator('myproxy-logon [part="error"]')).toContainText('CERT_UNTRUSTED');
  await expect.poll(() => page.evaluate(() => document.querySelector('myproxy-logon')!.shadowRoot!.activeElement?.id)).toBe('passphrase');
  // Typing the pass phrase again gives the same error (nothing was trusted).
  await page.evaluate(() => (window.__events = []));
  await submit(page, stack.passphrase);
  expect((await outcome(page)).detail['code']).toBe('CERT_UNTRUSTED');
});
