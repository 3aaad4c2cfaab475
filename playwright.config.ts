/**
 * Playwright runs the browser tests (test/e2e) in Debian's chromium: Playwright cannot
 * download its own browsers here. Each spec starts what it needs (test/fixtures/demo-stack.ts);
 * run `npm run build` first.
 */
import { defineConfig, devices } from '@playwright/test';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'test/e2e',
  fullyParallel: false,
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: 'list',
  forbidOnly: !!process.env['CI'],
  outputDir: 'test-results',
  use: {
    headless: true,
    acceptDownloads: true,
    trace: 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
      },
    },
  ],
});
