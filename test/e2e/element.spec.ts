/**
 * <myproxy-logon> features against the real myproxy-server (test/fixtures/demo-stack.ts):
 * key pre-generation, PKCS#12 / PEM / clipboard export, Forget and expiry wipes, key types,
 * export="none", strings, Cancel, the logon() method and the headless entry.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { certificateModulus, pemLabels, privateKeyModulus } from '../fixtures/openssl-inspect.js';
import { runProcess } from '../fixtures/process.js';
import { events, expectSuccess, openElement, outcome, startSilentServer, submit } from './element-helpers.js';

let stack: DemoStack;
let scratch: string;

test.beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'myproxy-web-element-'));
  stack = await startDemoStack();
});

test.afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

test('the key pair is made while the user types; the click reuses it', async ({ page }) => {
  await page.addInitScript(() => {
    const calls: number[] = [];
    (window as unknown as { __keygen: number[] }).__keygen = calls;
    const original = crypto.subtle.generateKey.bind(crypto.subtle);
    crypto.subtle.generateKey = ((...args: Parameters<SubtleCrypto['generateKey']>) => {
      const algorithm = args[0] as { name?: string };
      if (algorithm.name === 'RSASSA-PKCS1-v1_5' || algorithm.name === 'ECDSA') calls.push(performance.now());
      return original(...args);
    }) as SubtleCrypto['generateKey'];
  });
  await openElement(page, stack);
  await page.getByLabel('Pass phrase').fill(stack.passphrase);
  await page.waitForFunction(() => (window as unknown as { __keygen: number[] }).__keygen.length === 1);
  const clickedAt = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Get credential' }).click();
  await expectSuccess(page);
  const calls = await page.evaluate(() => (window as unknown as { __keygen: number[] }).__keygen);
  expect(calls).toHaveLength(1);
  expect(calls[0]!).toBeLessThan(clickedAt);
  const steps = (await events(page)).filter((e) => e.type === 'progress').map((e) => e.detail['step']);
  expect(steps).toEqual(['generating-key', 'connecting', 'handshake', 'requesting', 'done']);
});

test('result, PEM and PKCS#12 downloads (filename attribute), Copy PEM, Forget', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.origin });
  await openElement(page, stack, { filename: 'alice.pem' });
  await submit(page, stack.passphrase);
  const { pem, subject } = await expectSuccess(page);
  const result = page.locator('myproxy-logon [part="result"]');
  await expect(result.locator('.subject')).toHaveText(subject);
  await expect(result.locator('.issuer')).toContainText('/O=myproxy-web test/CN=Alice');
  await expect(result.locator('.kind')).toHaveText('RFC 3820 proxy certificate');
  await expect(result.locator('[part="countdown"]')).toContainText(/expires in 1[01] h \d+ min \d+ s/);

  const [pemDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PEM' }).click()]);
  expect(pemDownload.suggestedFilename()).toBe('alice.pem');
  const pemPath = path.join(scratch, 'alice.pem');
  await pemDownload.saveAs(pemPath);
  expect(await readFile(pemPath, 'utf8')).toBe(pem);

  // PKCS#12: asks for a password twice; refuses a mismatch; the file opens in openssl.
  await page.getByRole('button', { name: 'Download PKCS#12…' }).click();
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await page.getByLabel('Password', { exact: true }).fill('p12 secret');
  await page.getByLabel('Repeat password').fill('something else');
  await page.getByRole('button', { name: 'Save PKCS#12' }).click();
  await expect(page.locator('myproxy-logon [part="field-error"]')).toHaveText('The two passwords differ.');
  await page.getByLabel('Password', { exact: true }).fill('p12 secret');
  await page.getByLabel('Repeat password').fill('p12 secret');
  const [p12Download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save PKCS#12' }).click()]);
  expect(p12Download.suggestedFilename()).toBe('alice.p12');
  const p12Path = path.join(scratch, 'alice.p12');
  await p12Download.saveAs(p12Path);
  const info = await runProcess('openssl', ['pkcs12', '-in', p12Path, '-passin', 'pass:p12 secret', '-info', '-nodes'], { timeoutMs: 30_000 });
  expect(info.code, info.stderr).toBe(0);
  expect(info.stderr).toMatch(/MAC: sha256/);
  expect(info.stderr).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
  const fromP12 = path.join(scratch, 'from-p12.pem');
  await writeFile(fromP12, info.stdout);
  expect(await privateKeyModulus(fromP12)).toBe(await certificateModulus(pemPath));
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);

  await page.getByRole('button', { name: 'Copy PEM' }).click();
  await expect(page.getByRole('status')).toHaveText('PEM copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(pem);
  await page.evaluate(() => navigator.clipboard.writeText(''));

  await page.getByRole('button', { name: 'Forget' }).click();
  await expect(result).toHaveCount(0);
  await expect(page.getByRole('status')).toHaveText('The credential was wiped from memory.');
  expect((await events(page)).filter((e) => e.type === 'cleared')).toEqual([{ type: 'cleared', detail: { reason: 'forget' } }]);
  expect(await page.evaluate(() => document.querySelector('myproxy-logon')!.credential)).toBeUndefined();
});

test('the countdown runs and the credential is wiped at expiry', async ({ page }) => {
  await page.clock.install();
  await openElement(page, stack, { lifetime: '1' });
  await submit(page, stack.passphrase);
  const { notAfter } = await expectSuccess(page);
  const countdown = page.locator('myproxy-logon [part="countdown"]');
  const before = await countdown.textContent();
  await page.clock.runFor(2_000);
  await expect(countdown).not.toHaveText(before!);
  await page.clock.fastForward(new Date(notAfter).getTime() - Date.now() + 2_000);
  await page.clock.runFor(1_000);
  await expect(page.locator('myproxy-logon [part="result"]')).toHaveCount(0);
  await expect(page.getByRole('status')).toHaveText('The credential expired and was wiped from memory.');
  expect((await events(page)).filter((e) => e.type === 'cleared').map((e) => e.detail['reason'])).toEqual(['expired']);
});

test('key-type ec-p256: the repository-mode server signs it; the PEM holds a PKCS#8 key', async ({ page }) => {
  await openElement(page, stack, { 'key-type': 'ec-p256' });
  await submit(page, stack.passphrase);
  const { pem } = await expectSuccess(page);
  expect(pemLabels(pem!).slice(0, 2)).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
  const start = (await events(page)).find((e) => e.type === 'start')!;
  expect(start.detail['keyType']).toBe('ec-p256');
});

test('export="none": no PEM anywhere, a non-extractable key for use in the page', async ({ page }) => {
  await openElement(page, stack, { export: 'none' });
  await submit(page, stack.passphrase);
  const detail = await expectSuccess(page);
  expect(detail.pem).toBeUndefined();
  await expect(page.getByRole('button', { name: 'Download PEM' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Copy PEM' })).toHaveCount(0);
  await expect(page.locator('myproxy-logon [part="note"]')).toBeVisible();
  const key = await page.evaluate(() => {
    const credential = document.querySelector('myproxy-logon')!.credential!;
    return { extractable: credential.privateKey.extractable, type: credential.privateKey.type };
  });
  expect(key).toEqual({ extractable: false, type: 'private' });
});

test('strings replace the visible texts', async ({ page }) => {
  await openElement(page, stack);
  await page.evaluate(() => {
    document.querySelector('myproxy-logon')!.strings = { usernameLabel: 'Benutzername', passphraseLabel: 'Passwort', submit: 'Zertifikat holen' };
  });
  await page.getByLabel('Passwort').fill(stack.passphrase);
  await expect(page.getByLabel('Benutzername')).toHaveValue(stack.username);
  await page.getByRole('button', { name: 'Zertifikat holen' }).click();
  await expectSuccess(page);
});

test('Cancel closes the tunnel: ABORTED, back to idle', async ({ page }) => {
  const silent = await startSilentServer();
  try {
    const bridge = await stack.startExtraBridge({ host: '127.0.0.1', port: silent.port });
    await openElement(page, stack, { bridge: bridge.url });
    await submit(page, stack.passphrase);
    await expect(page.locator('myproxy-logon [part="progress"]')).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Verifying server localhost…');
    await page.getByRole('button', { name: 'Cancel' }).click();
    const event = await outcome(page);
    expect(event).toEqual({ type: 'error', detail: { code: 'ABORTED', message: expect.any(String) } });
    await expect(page.getByRole('status')).toHaveText('Cancelled.');
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Get credential' })).toBeEnabled();
    expect(silent.connections()).toBe(1);
    await expect.poll(() => bridge.tunnels().length, { timeout: 10_000 }).toBe(0); // the page closed the tunnel
    await expect.poll(() => silent.open(), { timeout: 10_000 }).toBe(0); // and the bridge its connection
  } finally {
    await silent.close();
  }
});

test('logon() returns the credential; the credential property holds it', async ({ page }) => {
  await openElement(page, stack);
  const subject = await page.evaluate(async (passphrase) => {
    const element = document.querySelector('myproxy-logon')!;
    const credential = await element.logon({ passphrase });
    return element.credential === credential ? credential.subject : 'different';
  }, stack.passphrase);
  expect(subject.startsWith(`${stack.server.user.subject}/CN=`)).toBe(true);
});

test('headless entry: createMyProxyLogon(...).logon(...) with progress', async ({ page }) => {
  await openElement(page, stack);
  const result = await page.evaluate(async ({ bridge, server, passphrase, username }) => {
    const url = '/dist/myproxy-logon-headless.js';
    const headless = (await import(url)) as typeof import('../../web/headless.js');
    const client = headless.createMyProxyLogon({ bridge, server, trustRoots: '/trust-roots.pem' });
    const steps: string[] = [];
    const credential = await client.logon({ username, passphrase, lifetimeHours: 2, onProgress: (step) => steps.push(step) });
    const pem = await headless.credentialToPem(credential);
    return { subject: credential.subject, steps, hours: (credential.notAfter.getTime() - Date.now()) / 3.6e6, pemStart: pem.slice(0, 27) };
  }, { bridge: stack.bridgeUrl, server: stack.server.serverName, passphrase: stack.passphrase, username: stack.username });
  expect(result.subject.startsWith(`${stack.server.user.subject}/CN=`)).toBe(true);
  expect(result.steps).toEqual(['generating-key', 'connecting', 'handshake', 'requesting', 'done']);
  expect(result.hours).toBeLessThanOrEqual(2.01);
  expect(result.pemStart).toBe('-----BEGIN CERTIFICATE-----');
});

test('dist/custom-elements.json describes the element (attributes, events, parts, slot)', async ({ request }) => {
  const manifest = await (await request.get(`${stack.origin}/dist/custom-elements.json`)).json();
  const element = manifest.modules[0].declarations[0];
  expect(element.tagName).toBe('myproxy-logon');
  expect(element.attributes.map((a: { name: string }) => a.name)).toEqual(['bridge', 'server', 'trust-roots', 'username', 'lifetime', 'key-type', 'export', 'filename', 'credname', 'allow-bootstrap']);
  expect(element.events.map((e: { name: string }) => e.name)).toEqual(['myproxy-logon-start', 'myproxy-logon-progress', 'myproxy-logon-success', 'myproxy-logon-error', 'myproxy-logon-cleared', 'myproxy-logon-trust']);
  expect(element.cssParts.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['form', 'progress', 'status', 'result', 'countdown', 'error', 'pkcs12-form', 'manage', 'bootstrap']));
  expect(element.members.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['strings', 'credential', 'logon', 'cancel', 'forget']));
  expect(element.slots.map((s: { name: string }) => s.name)).toEqual(['manage']);
});
