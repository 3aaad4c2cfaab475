/**
 * Known-answer tests for the TLS 1.2 PRF (RFC 5246 §5) in shared/tls/prf12.ts. Wycheproof has no
 * PRF vectors; these are the widely circulated P_SHA256 / P_SHA384 vectors first posted to the IETF
 * TLS list (msg03416), cross-checked here against `openssl kdf TLS1-PRF`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from '../../shared/bytes/bytes.js';
import { tls12Prf } from '../../shared/tls/prf12.js';

test('P_SHA256: 100 bytes of "test label"', async () => {
  const out = await tls12Prf('SHA-256', fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(
    toHex(out),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17ab' +
      'fd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});

test('P_SHA384: 148 bytes of "test label"', async () => {
  const out = await tls12Prf('SHA-384', fromHex('b80b733d6ceefcdc71566ea48e5567df'), 'test label', fromHex('cd665cf6a8447dd6ff8b27555edb7465'), 148);
  assert.equal(
    toHex(out),
    '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd' +
      '8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6' +
      '91c8f3a26854308d5eaa3be85e0990703d73e56f',
  );
});

test('shorter outputs are prefixes; zero length is empty', async () => {
  const secret = fromHex('9bbe436ba940f017b17652849a71db35');
  const seed = fromHex('a0ba9f936cda311827a6f796ffd5198c');
  const long = await tls12Prf('SHA-256', secret, 'test label', seed, 100);
  for (const length of [1, 12, 31, 32, 33, 48, 64, 65]) {
    assert.equal(toHex(await tls12Prf('SHA-256', secret, 'test label', seed, length)), toHex(long.subarray(0, length)));
  }
  assert.equal((await tls12Prf('SHA-256', secret, 'test label', seed, 0)).length, 0);
});
