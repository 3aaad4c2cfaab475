#!/usr/bin/env node
// Runs every test: node:test suites (unit, bridge, interop against real servers), then the
// Playwright end-to-end suite in Debian's chromium. Prints one closing line for both:
// "N passed, N failed". Exit status is non-zero if anything failed or if no test ran.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const NODE_SUITES = ['test/unit', 'test/bridge', 'test/interop'];

function findTests(dir, suffix) {
  const out = [];
  const full = path.join(root, dir);
  let entries = [];
  try {
    entries = readdirSync(full);
  } catch {
    return out;
  }
  for (const name of entries.sort()) {
    const rel = path.join(dir, name);
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...findTests(rel, suffix));
    else if (name.endsWith(suffix)) out.push(rel);
  }
  return out;
}

function run(command, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const only = process.argv.slice(2);
const wants = (suite) => only.length === 0 || only.includes(suite);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'myproxy-web-tests-'));
let passed = 0;
let failed = 0;
let exitCode = 0;

if (wants('node')) {
  const files = NODE_SUITES.flatMap((dir) => findTests(dir, '.test.ts'));
  const tap = path.join(scratch, 'node.tap');
  const code = await run(process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = readFileSync(tap, 'utf8');
  const pass = Number(/^# pass (\d+)/m.exec(text)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(text)?.[1] ?? 0) + Number(/^# cancelled (\d+)/m.exec(text)?.[1] ?? 0);
  passed += pass;
  failed += fail;
  if (code !== 0) exitCode = 1;
  console.log(`node:test: ${pass} passed, ${fail} failed (${files.length} files)`);
}

if (wants('e2e')) {
  const json = path.join(scratch, 'playwright.json');
  const code = await run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: json });
  let stats = { expected: 0, unexpected: 0, flaky: 0 };
  try {
    stats = JSON.parse(readFileSync(json, 'utf8')).stats ?? stats;
  } catch {
    stats.unexpected += 1; // no report: count the whole suite as one failure
  }
  passed += stats.expected + stats.flaky;
  failed += stats.unexpected;
  if (code !== 0) exitCode = 1;
  console.log(`playwright: ${stats.expected + stats.flaky} passed, ${stats.unexpected} failed`);
}

rmSync(scratch, { recursive: true, force: true });
if (passed === 0) exitCode = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
