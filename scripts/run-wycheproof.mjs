#!/usr/bin/env node
// Runs the Wycheproof suites (test/wycheproof/*.test.ts) against the project's own wrappers.
// The vectors live in ../shared/wycheproof relative to the repository root; without them the run
// says where they belong and fails.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vectors = path.resolve(root, '..', 'shared', 'wycheproof');
if (!existsSync(vectors) || !readdirSync(vectors).some((name) => name.endsWith('_test.json'))) {
  console.error(`Wycheproof vectors not found: put the C2SP/wycheproof testvectors_v1 JSON files in ${vectors}`);
  process.exit(1);
}
const dir = path.join(root, 'test', 'wycheproof');
const files = readdirSync(dir).filter((name) => name.endsWith('.test.ts')).sort().map((name) => path.join('test', 'wycheproof', name));
if (files.length === 0) {
  console.error(`no Wycheproof suites in ${dir}`);
  process.exit(1);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
