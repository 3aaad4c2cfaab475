/**
 * The bridge relays ciphertext only: it must not import TLS, PKI or MyProxy code. This test
 * fails if any bridge module imports anything but node built-ins, ws, shared/tunnel.ts,
 * shared/errors.ts and other bridge modules.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const bridgeDir = fileURLToPath(new URL('../../bridge/', import.meta.url));
const allowed = [/^node:/, /^ws$/, /^\.\.\/shared\/(tunnel|errors)\.js$/, /^\.\/[a-z-]+\.js$/];

test('bridge/ imports only node built-ins, ws, shared/tunnel and shared/errors', () => {
  const files = readdirSync(bridgeDir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.includes('relay.ts') && files.includes('server.ts'));
  for (const file of files) {
    const source = readFileSync(bridgeDir + file, 'utf8');
    const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
      (m) => m[1] ?? m[2]!,
    );
    if (file === 'server.ts') assert.ok(specifiers.includes('ws'), 'import parser broken?');
    for (const spec of specifiers) {
      assert.ok(allowed.some((re) => re.test(spec)), `${file} imports '${spec}'`);
    }
  }
});
