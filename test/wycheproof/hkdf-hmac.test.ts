/** Wycheproof HKDF and HMAC vectors through shared/tls/hkdf.ts (hkdfExtract + hkdfExpand, hmac). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toHex } from '../../shared/bytes/bytes.js';
import type { HashName } from '../../shared/tls/cipher-suites.js';
import { hkdfExpand, hkdfExtract, hmac } from '../../shared/tls/hkdf.js';
import { hex, label, loadVectors } from './vectors.js';

const HKDF: [string, HashName][] = [
  ['hkdf_sha256_test.json', 'SHA-256'],
  ['hkdf_sha384_test.json', 'SHA-384'],
];

for (const [file, hash] of HKDF) {
  test(`${file}: extract + expand`, async () => {
    let checked = 0;
    for (const group of loadVectors(file).testGroups) {
      for (const t of group.tests) {
        const run = async () => hkdfExpand(hash, await hkdfExtract(hash, hex(t.salt), hex(t.ikm)), hex(t.info), Number(t.size));
        if (t.result === 'valid') assert.equal(toHex(await run()), t.okm, label(file, t));
        else await assert.rejects(run(), RangeError, label(file, t)); // the only invalid case: output longer than 255 * HashLen
        checked++;
      }
    }
    assert.ok(checked > 80);
  });
}

const HMAC: [string, HashName][] = [
  ['hmac_sha256_test.json', 'SHA-256'],
  ['hmac_sha384_test.json', 'SHA-384'],
];

for (const [file, hash] of HMAC) {
  test(`${file}: tags, full and truncated`, async () => {
    let checked = 0;
    for (const group of loadVectors(file).testGroups) {
      const tagBytes = Number(group.tagSize) / 8;
      for (const t of group.tests) {
        const tag = (await hmac(hash, hex(t.key), hex(t.msg))).subarray(0, tagBytes);
        assert.equal(toHex(tag) === t.tag, t.result === 'valid', label(file, t));
        checked++;
      }
    }
    assert.ok(checked > 150);
  });
}
