/**
 * Wycheproof X25519 and ECDH (P-256, P-384, WebCrypto JWK encoding) vectors through
 * shared/tls/key-share.ts: valid shares give the expected secret; invalid public keys and
 * all-zero X25519 results are refused with a MyProxyWebError (RFC 8446 §7.4.2); nothing crashes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes, toHex } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { NamedGroup } from '../../shared/tls/constants.js';
import { KeyShare } from '../../shared/tls/key-share.js';
import { base64url, hex, label, loadVectors } from './vectors.js';

/** PKCS#8 wrapping of a raw X25519 private key (RFC 8410 §7). */
const X25519_PKCS8_PREFIX = hex('302e020100300506032b656e04220420');

async function shared(share: KeyShare, peer: Uint8Array, name: string): Promise<string | undefined> {
  try {
    return toHex(await share.sharedSecret(peer));
  } catch (error) {
    assert.ok(error instanceof MyProxyWebError, `${name}: ${String(error)}`);
    return undefined;
  }
}

test('x25519_test.json', async () => {
  const file = 'x25519_test.json';
  let valid = 0;
  for (const group of loadVectors(file).testGroups) {
    for (const t of group.tests) {
      const name = label(file, t);
      const key = await globalThis.crypto.subtle.importKey('pkcs8', Uint8Array.from(concatBytes(X25519_PKCS8_PREFIX, hex(t.private))), { name: 'X25519' }, false, ['deriveBits']);
      const result = await shared(KeyShare.fromPrivateKey(NamedGroup.x25519, key, new Uint8Array(32)), hex(t.public), name);
      if (/^0+$/.test(String(t.shared))) assert.equal(result, undefined, `${name}: an all-zero secret must be refused`);
      else if (t.result === 'valid') assert.equal(result, t.shared, name);
      else if (result !== undefined) assert.equal(result, t.shared, name);
      if (t.result === 'valid') valid++;
    }
  }
  assert.ok(valid > 100);
});

const ECDH: [string, typeof NamedGroup.secp256r1 | typeof NamedGroup.secp384r1, 'P-256' | 'P-384', number][] = [
  ['ecdh_secp256r1_webcrypto_test.json', NamedGroup.secp256r1, 'P-256', 32],
  ['ecdh_secp384r1_webcrypto_test.json', NamedGroup.secp384r1, 'P-384', 48],
];

for (const [file, group, curve, size] of ECDH) {
  test(file, async () => {
    let valid = 0;
    for (const g of loadVectors(file).testGroups) {
      for (const t of g.tests) {
        const name = label(file, t);
        const priv = t.private as JsonWebKey;
        const pub = t.public as { crv?: string; x?: string; y?: string };
        const key = await globalThis.crypto.subtle.importKey('jwk', priv, { name: 'ECDH', namedCurve: curve }, false, ['deriveBits']);
        // TLS carries the uncompressed point (RFC 8446 §4.2.8.2); a JWK that is not one of this curve's points has no such encoding.
        const x = base64url(pub.x ?? '');
        const y = base64url(pub.y ?? '');
        const point = pub.crv === curve && x.length === size && y.length === size ? concatBytes(new Uint8Array([4]), x, y) : new Uint8Array(0);
        const result = await shared(KeyShare.fromPrivateKey(group, key, new Uint8Array(0)), point, name);
        if (t.result === 'valid') {
          assert.equal(result, t.shared, name);
          valid++;
        } else if (t.result === 'invalid') {
          assert.equal(result, undefined, name);
        }
      }
    }
    assert.ok(valid > 100);
  });
}
