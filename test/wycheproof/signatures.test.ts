/**
 * Wycheproof signature vectors through shared/tls/certificate-verify.ts (verifyWithPublicKey, the
 * helper behind CertificateVerify and ServerKeyExchange) and shared/tls/ecdsa-der.ts: valid
 * signatures verify, invalid ones are refused with a MyProxyWebError, acceptable ones never crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MyProxyWebError } from '../../shared/errors.js';
import { verifyWithPublicKey } from '../../shared/tls/certificate-verify.js';
import { SignatureScheme } from '../../shared/tls/constants.js';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../../shared/tls/ecdsa-der.js';
import { hex, label, loadVectors, type WycheproofTest } from './vectors.js';

function spki(der: Uint8Array): pkijs.PublicKeyInfo {
  return new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(der.slice().buffer).result });
}

/** 'accepted' or 'refused'; anything but a MyProxyWebError is a crash and fails the test. */
async function outcome(run: () => Promise<void>, name: string): Promise<'accepted' | 'refused'> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    assert.ok(error instanceof MyProxyWebError, `${name}: ${String(error)}`);
    return 'refused';
  }
}

function expectOutcome(t: WycheproofTest, result: 'accepted' | 'refused', name: string): void {
  if (t.result === 'valid') assert.equal(result, 'accepted', name);
  if (t.result === 'invalid') assert.equal(result, 'refused', name);
}

const DER_FILES: [string, number, number][] = [
  ['ecdsa_secp256r1_sha256_test.json', SignatureScheme.ecdsa_secp256r1_sha256, 32],
  ['ecdsa_secp384r1_sha384_test.json', SignatureScheme.ecdsa_secp384r1_sha384, 48],
];

for (const [file, scheme, size] of DER_FILES) {
  test(`${file}: DER signatures through the strict DER parser and the verify helper`, async () => {
    let valid = 0;
    for (const group of loadVectors(file).testGroups) {
      const key = spki(hex(group.publicKeyDer));
      for (const t of group.tests) {
        const name = label(file, t);
        const result = await outcome(() => verifyWithPublicKey(key, scheme, hex(t.sig), hex(t.msg), true, 'wycheproof'), name);
        expectOutcome(t, result, name);
        if (t.result === 'valid') {
          // The conversion is lossless: raw -> DER gives back the minimal encoding.
          assert.equal(Buffer.from(ecdsaRawToDer(ecdsaDerToRaw(hex(t.sig), size))).toString('hex'), t.sig, name);
          valid++;
        }
      }
    }
    assert.ok(valid > 50);
  });
}

const P1363_FILES: [string, number, number][] = [
  ['ecdsa_secp256r1_sha256_p1363_test.json', SignatureScheme.ecdsa_secp256r1_sha256, 32],
  ['ecdsa_secp384r1_sha384_p1363_test.json', SignatureScheme.ecdsa_secp384r1_sha384, 48],
];

for (const [file, scheme, size] of P1363_FILES) {
  test(`${file}: raw signatures converted to DER and verified`, async () => {
    for (const group of loadVectors(file).testGroups) {
      const key = spki(hex(group.publicKeyDer));
      for (const t of group.tests) {
        const name = label(file, t);
        const raw = hex(t.sig);
        // A raw signature of the wrong width cannot be put into DER for this curve: refused before verifying.
        const result = raw.length !== 2 * size ? 'refused' : await outcome(() => verifyWithPublicKey(key, scheme, ecdsaRawToDer(raw), hex(t.msg), true, 'wycheproof'), name);
        expectOutcome(t, result, name);
      }
    }
  });
}

const RSA_FILES: [string, number][] = [
  ['rsa_pss_2048_sha256_mgf1_32_test.json', SignatureScheme.rsa_pss_rsae_sha256],
  ['rsa_pss_2048_sha384_mgf1_48_test.json', SignatureScheme.rsa_pss_rsae_sha384],
  ['rsa_pss_3072_sha256_mgf1_32_test.json', SignatureScheme.rsa_pss_rsae_sha256],
  ['rsa_signature_2048_sha256_test.json', SignatureScheme.rsa_pkcs1_sha256],
  ['rsa_signature_3072_sha384_test.json', SignatureScheme.rsa_pkcs1_sha384],
];

for (const [file, scheme] of RSA_FILES) {
  test(`${file}: through the verify helper`, async () => {
    let checked = 0;
    for (const group of loadVectors(file).testGroups) {
      const key = spki(hex(group.publicKeyDer));
      for (const t of group.tests) {
        const name = label(file, t);
        expectOutcome(t, await outcome(() => verifyWithPublicKey(key, scheme, hex(t.sig), hex(t.msg), true, 'wycheproof'), name), name);
        checked++;
      }
    }
    assert.ok(checked > 100);
  });
}
