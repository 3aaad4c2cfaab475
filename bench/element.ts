/**
 * Element benchmark (npm run bench:element; run `npm run build` first):
 * - gzip -9 size of dist/myproxy-logon.js (pkijs, asn1js, lit and the TLS client inside)
 *   against the 130 KB budget, and of the headless bundle for information;
 * - click-to-credential time of <myproxy-logon> in Debian's chromium (from the click to the
 *   success event, the key pre-generated while the pass phrase was typed), side by side with
 *   the wall time of the native myproxy-logon against the same myproxy-server fixture in the
 *   same run; medians of N runs each, and their ratio (budget <= 1.0).
 * Prints a Markdown section and writes it under "## Element" in docs/PERFORMANCE.md (other sections kept).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../playwright.config.js';
import { startDemoStack } from '../test/fixtures/demo-stack.js';
import { runProcess } from '../test/fixtures/process.js';
import { replaceSection } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 10);
const BUDGET_GZIP_BYTES = 130 * 1024;
/** Time the user spends typing after the first keystroke, during which the key is made. */
const TYPING_MS = 1_000;

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function gzipSize(file: string): { raw: number; gzip: number } {
  const bytes = readFileSync(path.join(root, file));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

for (const file of ['dist/myproxy-logon.js', 'dist/myproxy-logon-headless.js']) {
  if (!existsSync(path.join(root, file))) throw new Error(`${file} is missing: run npm run build first`);
}
const element = gzipSize('dist/myproxy-logon.js');
const headless = gzipSize('dist/myproxy-logon-headless.js');

const stack = await startDemoStack();
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
const browserTimes: number[] = [];
const nativeTimes: number[] = [];
try {
  const context = await browser.newContext();
  for (let i = 0; i < RUNS; i++) {
    const page = await context.newPage();
    await page.goto(stack.pageUrl);
    await page.waitForFunction(() => document.documentElement.dataset['demoReady'] === 'true');
    await page.evaluate(() => {
      const element = document.querySelector('myproxy-logon')!;
      const w = window as unknown as { __result?: number | string };
      let clickedAt = 0;
      element.shadowRoot!.addEventListener('click', (e) => {
        if ((e.target as HTMLElement).matches('button[type="submit"]')) clickedAt = performance.now();
      }, { capture: true });
      element.addEventListener('myproxy-logon-success', () => (w.__result = performance.now() - clickedAt));
      element.addEventListener('myproxy-logon-error', (e) => (w.__result = `${e.detail.code}: ${e.detail.message}`));
    });
    await page.getByLabel('Pass phrase').fill(stack.passphrase);
    await page.waitForTimeout(TYPING_MS);
    await page.getByRole('button', { name: 'Get credential' }).click();
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { __result: number | string }).__result);
    if (typeof result === 'string') throw new Error(`browser logon failed: ${result}`);
    browserTimes.push(result);
    await page.close();

    // The native client, same server, same moment: wall time of the whole process.
    const out = path.join(os.tmpdir(), `bench-element-x509up-${process.pid}`);
    const started = performance.now();
    const native = await runProcess('myproxy-logon', ['-s', 'localhost', '-p', String(stack.server.port), '-l', stack.username, '-t', '12', '-S', '-o', out], {
      env: stack.server.nativeEnv,
      input: `${stack.passphrase}\n`,
      timeoutMs: 60_000,
    });
    nativeTimes.push(performance.now() - started);
    if (native.code !== 0) throw new Error(`native myproxy-logon failed: ${native.stderr}`);
  }
} finally {
  await browser.close();
  await stack.stop();
}

const ours = median(browserTimes);
const theirs = median(nativeTimes);
const ratio = ours / theirs;
const chromiumVersion = (await runProcess(CHROMIUM_PATH, ['--version'], { timeoutMs: 10_000 })).stdout.trim();
const body = `Measured by \`npm run bench:element\` on ${new Date().toISOString().slice(0, 10)} (${chromiumVersion}, Node ${process.version}, ${os.cpus().length} CPUs ${os.cpus()[0]?.model ?? ''}), loopback.

Bundle size (gzip -9; pkijs, asn1js, lit and the TLS client included):

| bundle | minified | gzip | budget |
|---|---|---|---|
| \`dist/myproxy-logon.js\` | ${kb(element.raw)} | **${kb(element.gzip)}** | <= ${kb(BUDGET_GZIP_BYTES)}: ${element.gzip <= BUDGET_GZIP_BYTES ? 'met' : 'MISSED'} |
| \`dist/myproxy-logon-headless.js\` | ${kb(headless.raw)} | ${kb(headless.gzip)} | |

Click-to-credential against the local myproxy-server fixture (a fresh myproxy-server process per
connection), ${RUNS} runs each, alternating, same run. Browser: from the click on **Get credential** to
the \`myproxy-logon-success\` event, RSA-2048 key pre-generated while the pass phrase was typed (${TYPING_MS} ms
between typing and the click), through myproxy-bridge. Native: wall time of
\`myproxy-logon -S -s localhost -l alice -t 12 -o FILE\` (it makes its key after start).

| client | median | min | max |
|---|---|---|---|
| \`<myproxy-logon>\` in chromium | ${ms(ours)} | ${ms(Math.min(...browserTimes))} | ${ms(Math.max(...browserTimes))} |
| native \`myproxy-logon\` | ${ms(theirs)} | ${ms(Math.min(...nativeTimes))} | ${ms(Math.max(...nativeTimes))} |

Ratio of medians: **${ratio.toFixed(2)}** (budget <= 1.0: ${ratio <= 1 ? 'met' : 'MISSED'}).
`;
console.log(`## Element\n\n${body}`);
replaceSection(path.join(root, 'docs', 'PERFORMANCE.md'), '## Element', body);
