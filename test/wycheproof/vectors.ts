/**
 * Loads Wycheproof vector files (C2SP/wycheproof testvectors_v1, Apache-2.0) from
 * <repo>/../shared/wycheproof. A missing file fails the test with the place it belongs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VECTOR_DIR = path.resolve(repoRoot, '..', 'shared', 'wycheproof');

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}

export interface WycheproofGroup {
  tests: WycheproofTest[];
  [field: string]: unknown;
}

export interface WycheproofFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: WycheproofGroup[];
}

export function loadVectors(name: string): WycheproofFile {
  const file = path.join(VECTOR_DIR, name);
  if (!existsSync(file)) {
    throw new Error(`Wycheproof vectors ${name} are missing: put C2SP/wycheproof testvectors_v1/${name} in ${VECTOR_DIR}`);
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as WycheproofFile;
  const count = parsed.testGroups.reduce((n, group) => n + group.tests.length, 0);
  if (count === 0) throw new Error(`${file} holds no tests`);
  return parsed;
}

export function hex(text: unknown): Uint8Array {
  return Uint8Array.from(Buffer.from(String(text), 'hex'));
}

export function base64url(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'base64url'));
}

/** Names a vector in assertion messages. */
export function label(file: string, test: WycheproofTest): string {
  return `${file} #${test.tcId} (${test.result}; ${test.comment || test.flags.join(',')})`;
}
