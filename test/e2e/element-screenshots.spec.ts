/**
 * Screenshots of <myproxy-logon> for docs/screenshots/: idle, working, success and error, in
 * light and dark (prefers-color-scheme), taken from the real flow against the test server.
 * "working" holds at "Verifying server…" through a bridge to a server that never answers.
 */
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { REPO_ROOT } from '../fixtures/static-server.js';
import { expectSuccess, openElement, outcome, startSilentServer, submit } from './element-helpers.js';

const OUT = path.join(REPO_ROOT, 'docs', 'screenshots');

let stack: DemoStack;

test.beforeAll(async () => {
  stack = await startDemoStack();
});

test.afterAll(async () => {
  await stack?.stop();
});

async function shoot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.locator('myproxy-logon').screenshot({ path: path.join(OUT, `${name}.png`), animations: 'disabled', caret: 'hide' });
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`screenshots: idle, working, success, error (${colorScheme})`, async ({ page }) => {
    await page.setViewportSize({ width: 760, height: 1000 });
    await page.emulateMedia({ colorScheme });

    await openElement(page, stack);
    await shoot(page, `idle-${colorScheme}`);

    const silent = await startSilentServer();
    try {
      const bridge = await stack.startExtraBridge({ host: '127.0.0.1', port: silent.port });
      await openElement(page, stack, { bridge: bridge.url });
      await submit(page, stack.passphrase);
      await expect(page.getByRole('status')).toHaveText(/Verifying server/);
      await shoot(page, `working-${colorScheme}`);
      await page.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await silent.close();
    }

    await openElement(page, stack);
    await submit(page, stack.passphrase);
    await expectSuccess(page);
    await shoot(page, `success-${colorScheme}`);

    await openElement(page, stack);
    await submit(page, 'not the pass phrase');
    expect((await outcome(page)).type).toBe('error');
    await shoot(page, `error-${colorScheme}`);
  });
}
