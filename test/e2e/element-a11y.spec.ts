/**
 * Accessibility and Content-Security-Policy of <myproxy-logon>: axe-core finds no violation
 * in the idle, success (with the PKCS#12 form open), Manage (list, change pass phrase form,
 * destroy confirmation), error and trust-bootstrap states, in light and dark; the
 * whole flow works with the keyboard alone and focus moves to errors; under the page's strict
 * CSP (no inline script or style, no eval) nothing is blocked.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { deepActiveElement, expectSuccess, openElement, outcome, submit } from './element-helpers.js';

let stack: DemoStack;
let scratch: string;

test.beforeAll(async () => {
  stack = await startDemoStack();
  // Another CA as the only trust root: the logon fails with CERT_UNTRUSTED and the bootstrap offer shows.
  scratch = await mkdtemp(path.join(os.tmpdir(), 'myproxy-web-a11y-'));
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', '/CN=Some Other CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', path.join(scratch, 'key.pem'), '-out', path.join(scratch, 'ca.pem'),
  ]);
  stack.setRoute('/other-ca.pem', { body: await readFile(path.join(scratch, 'ca.pem'), 'utf8'), contentType: 'application/x-pem-file' });
});

test.afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function expectNoAxeViolations(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary, `axe violations in the ${state} state`).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`axe: no violations when idle, on success, in Manage, on error and in the bootstrap offer (${colorScheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme });
    await openElement(page, stack);
    await expectNoAxeViolations(page, 'idle');

    await submit(page, stack.passphrase);
    await expectSuccess(page);
    await page.getByRole('button', { name: 'Download PKCS#12…' }).click();
    await page.getByLabel('Password', { exact: true }).fill('ab');
    await page.getByLabel('Repeat password').fill('ab');
    await page.getByRole('button', { name: 'Save PKCS#12' }).click(); // too short: shows the field error
    await expect(page.locator('myproxy-logon [part="field-error"]')).not.toBeEmpty();
    await expectNoAxeViolations(page, 'success');

    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Manage stored credentials' }).click();
    await expect(page.locator('myproxy-logon [part~="manage-status"]')).toContainText('stored credential(s)');
    await page.getByRole('button', { name: 'Change pass phrase…' }).click();
    await page.getByLabel('Current pass phrase').fill('x');
    await page.getByLabel('New pass phrase', { exact: true }).fill('ab');
    await page.getByLabel('Repeat new pass phrase').fill('ab');
    await page.getByRole('button', { name: 'Change pass phrase', exact: true }).click(); // too short: shows the field error
    await expect(page.locator('myproxy-logon [part~="manage-change-form"] [part~="field-error"]')).not.toBeEmpty();
    await expectNoAxeViolations(page, 'manage (change pass phrase)');
    await page.getByRole('button', { name: 'Destroy…' }).click();
    await expect(page.locator('myproxy-logon [part~="manage-confirm"]')).toBeVisible();
    await expectNoAxeViolations(page, 'manage (destroy confirmation)');

    await openElement(page, stack);
    await submit(page, 'not the pass phrase');
    expect((await outcome(page)).type).toBe('error');
    await expectNoAxeViolations(page, 'error');

    await openElement(page, stack, { 'trust-roots': '/other-ca.pem', 'allow-bootstrap': '' });
    await submit(page, stack.passphrase);
    await expect(page.locator('myproxy-logon [part~="bootstrap"] .fingerprint')).toHaveCount(1);
    await expectNoAxeViolations(page, 'bootstrap offer');
  });
}

test('keyboard only: type, Enter, then Download, Forget; focus moves to an error', async ({ page }) => {
  await openElement(page, stack);
  await page.keyboard.press('Tab');
  expect(await deepActiveElement(page)).toBe('input#username[part=input]');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(stack.username);
  await page.keyboard.press('Tab');
  expect(await deepActiveElement(page)).toBe('input#passphrase[part=input]');
  await page.keyboard.type('wrong pass phrase');
  await page.keyboard.press('Enter');
  expect((await outcome(page)).type).toBe('error');
  await expect.poll(() => deepActiveElement(page)).toBe('div[part=error]');
  await expect(page.getByRole('alert')).toContainText('MYPROXY_AUTH_FAILED');

  // Back to the pass phrase with Shift+Tab, the right one this time.
  await page.evaluate(() => (window.__events = []));
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Shift+Tab');
  expect(await deepActiveElement(page)).toBe('input#credname[part=input]');
  await page.keyboard.press('Shift+Tab');
  expect(await deepActiveElement(page)).toBe('input#passphrase[part=input]');
  await page.keyboard.type(stack.passphrase);
  await page.keyboard.press('Enter');
  await expectSuccess(page);

  // Tab to Download PEM and press Enter: a download starts.
  const tabTo = async (part: string) => {
    for (let i = 0; i < 12 && !(await deepActiveElement(page)).includes(part); i++) await page.keyboard.press('Tab');
    expect(await deepActiveElement(page)).toContain(part);
  };
  await tabTo('download-button');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(download.suggestedFilename()).toBe('credential.pem');
  // Open the PKCS#12 form with Space; Escape closes it and returns focus to its button.
  await tabTo('pkcs12-button');
  await page.keyboard.press(' ');
  await expect.poll(() => deepActiveElement(page)).toBe('input#pkcs12-password[part=input]');
  await page.keyboard.press('Escape');
  await expect.poll(() => deepActiveElement(page)).toContain('pkcs12-button');
  await tabTo('forget-button');
  await page.keyboard.press('Enter');
  await expect(page.locator('myproxy-logon [part="result"]')).toHaveCount(0);
  await expect.poll(() => deepActiveElement(page)).toBe('input#passphrase[part=input]');
});

test('strict CSP: the page is served with it and nothing is blocked through a whole flow', async ({ page }) => {
  const response = await page.goto(stack.pageUrl);
  const csp = response!.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|data:|https?:\/\/(?!127\.0\.0\.1)/);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(stack.origin) && !r.url().startsWith('ws://127.0.0.1')) external.push(r.url());
  });
  await openElement(page, stack);
  await submit(page, stack.passphrase);
  await expectSuccess(page);
  await page.getByRole('button', { name: 'Download PKCS#12…' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Forget' }).click();
  await submit(page, 'wrong pass phrase');
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'error'));
  expect(await page.evaluate(() => window.__csp)).toEqual([]);
  expect(problems).toEqual([]);
  expect(external, 'requests to other origins (fonts, icons, ...)').toEqual([]);
});
