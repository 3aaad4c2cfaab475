/**
 * Wycheproof AES-GCM vectors through shared/tls/aead.ts, the AEAD under record protection.
 * Vectors with 96-bit nonces and 128/256-bit keys (what TLS uses) must seal and open exactly;
 * every other nonce or key size must be refused by the wrapper, never silently accepted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes, toHex } from '../../shared/bytes/bytes.js';
import { aeadOpen, aeadSeal, importAeadKey } from '../../shared/tls/aead.js';
import { hex, label, loadVectors } from './vectors.js';

const FILE = 'aes_gcm_test.json';

test(`${FILE}: seal and open through the TLS AEAD wrapper`, async () => {
  let exact = 0;
  let refused = 0;
  for (const group of loadVectors(FILE).testGroups) {
    const usable = group.ivSize === 96 && (group.keySize === 128 || group.keySize === 256) && group.tagSize === 128;
    for (const t of group.tests) {
      const name = label(FILE, t);
      if (!usable) {
        await assert.rejects(async () => aeadSeal(await importAeadKey(hex(t.key)), hex(t.iv), hex(t.aad), hex(t.msg)), RangeError, name);
        refused++;
        continue;
      }
      const key = await importAeadKey(hex(t.key));
      const sealed = concatBytes(hex(t.ct), hex(t.tag));
      const opened = await aeadOpen(key, hex(t.iv), hex(t.aad), sealed);
      if (t.result === 'valid') {
        assert.equal(toHex(await aeadSeal(key, hex(t.iv), hex(t.aad), hex(t.msg))), toHex(sealed), name);
        assert.equal(opened && toHex(opened), t.msg, name);
      } else {
        assert.equal(opened, undefined, name);
      }
      exact++;
    }
  }
  assert.ok(exact > 50 && refused > 50, `exact ${exact}, refused ${refused}`);
});

test('a sealed record shorter than the tag opens to nothing', async () => {
  const key = await importAeadKey(new Uint8Array(16));
  assert.equal(await aeadOpen(key, new Uint8Array(12), new Uint8Array(0), new Uint8Array(15)), undefined);
});
