/**
 * The bridge relays ciphertext only: it must not import TLS, PKI or MyProxy code. This test
 * fails if any bridge module imports anything but node built-ins, ws, shared/tunnel.ts,
 * shared/tunnel-token.ts, shared/errors.ts, shared/bytes/* and other bridge modules, or if
 * the shared modules it uses import anything else (or node: built-ins: they are isomorphic).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const bridgeDir = fileURLToPath(new URL('../../bridge/', import.meta.url));
const sharedDir = fileURLToPath(new URL('../../shared/', import.meta.url));
const allowed = [/^node:/, /^ws$/, /^\.\.\/shared\/(tunnel|tunnel-token|errors)\.js$/, /^\.\.\/shared\/bytes\/[a-z-]+\.js$/, /^\.\/[a-z-]+\.js$/];
const sharedAllowed = [/^\.\/(tunnel|errors)\.js$/, /^\.\/bytes\/[a-z-]+\.js$/, /^\.\/[a-z-]+\.js$/];

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2]!,
  );
}

test('bridge/ imports only node built-ins, ws, shared/tunnel*, shared/errors and shared/bytes', () => {
  const files = readdirSync(bridgeDir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('relay.ts') && files.includes('server.ts'));
  for (const file of files) {
    const specifiers = importsOf(readFileSync(bridgeDir + file, 'utf8'));
    if (file === 'server.ts') assert.ok(specifiers.includes('ws'), 'import parser broken?');
    for (const spec of specifiers) {
      assert.ok(allowed.some((re) => re.test(spec)), `${file} imports '${spec}'`);
    }
  }
});

test('the shared modules the bridge uses are isomorphic and stay inside tunnel*, errors and bytes', () => {
  for (const file of ['tunnel.ts', 'tunnel-token.ts', 'errors.ts']) {
    for (const spec of importsOf(readFileSync(sharedDir + file, 'utf8'))) {
      assert.ok(sharedAllowed.some((re) => re.test(spec)) && !/^\.\/(tls|pki|myproxy|transport)/.test(spec), `shared/${file} imports '${spec}'`);
    }
  }
  for (const file of readdirSync(sharedDir + 'bytes').filter((f) => f.endsWith('.ts'))) {
    for (const spec of importsOf(readFileSync(`${sharedDir}bytes/${file}`, 'utf8'))) {
      assert.match(spec, /^\.\/[a-z-]+\.js$/, `shared/bytes/${file} imports '${spec}'`);
    }
  }
});
