/**
 * TLS 1.2 building blocks without a peer: the PRF (RFC 5246 §5), AES-GCM record protection with
 * explicit nonces (RFC 5288), the 1.2 message codecs, version negotiation and downgrade sentinels
 * (RFC 8446 §4.1.3), ECDSA DER encoding, and client-key signature schemes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes, fromHex, toHex } from '../../shared/bytes/bytes.js';
import { ByteWriter } from '../../shared/bytes/writer.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { chooseClientScheme, clientCredentialFromKey, supportsTls13 } from '../../shared/tls/client-auth.js';
import { TLS12_CIPHER_SUITES } from '../../shared/tls/cipher-suites.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, SignatureScheme, TLS12_VERSION, TLS13_VERSION } from '../../shared/tls/constants.js';
import { ecdsaDerToRaw, ecdsaRawToDer } from '../../shared/tls/ecdsa-der.js';
import { writeExtensions } from '../../shared/tls/extensions.js';
import { decodeCertificate12, decodeCertificateRequest12, decodeServerKeyExchange, encodeCertificate12 } from '../../shared/tls/messages12.js';
import { tls12Prf } from '../../shared/tls/prf12.js';
import { RecordProtection12 } from '../../shared/tls/record-protection12.js';
import { checkServerHello } from '../../shared/tls/server-hello.js';

const code = (expected: string) => (error: unknown) => error instanceof MyProxyWebError && error.code === expected;

test('tls12Prf: the published P_SHA256 test vector and exact output lengths', async () => {
  const out = await tls12Prf('SHA-256', fromHex('9bbe436ba940f017b17652849a71db35'), 'test label', fromHex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(
    toHex(out),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab' +
      '4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
  for (const length of [0, 1, 12, 48, 97]) assert.equal((await tls12Prf('SHA-384', new Uint8Array(48), 'x', new Uint8Array(0), length)).length, length);
  // A prefix of a longer output is the shorter output.
  const long = await tls12Prf('SHA-384', new Uint8Array([1, 2, 3]), 'key expansion', new Uint8Array(64), 104);
  assert.deepEqual(await tls12Prf('SHA-384', new Uint8Array([1, 2, 3]), 'key expansion', new Uint8Array(64), 40), long.subarray(0, 40));
});

test('RecordProtection12: seal/open round trip, explicit nonce = sequence, tamper and size limits', async () => {
  const suite = TLS12_CIPHER_SUITES.find((entry) => entry.id === 0xc030)!;
  const keys = { key: new Uint8Array(32).fill(9), iv: fromHex('01020304') };
  const writer = await RecordProtection12.create(suite, keys);
  const reader = await RecordProtection12.create(suite, keys);
  const first = await writer.seal(23, new Uint8Array([0x30]));
  assert.equal(first.length, 5 + 8 + 1 + 16);
  assert.deepEqual([...first.subarray(0, 5)], [23, 3, 3, 0, 25]);
  assert.equal(toHex(first.subarray(5, 13)), '0000000000000000');
  const second = await writer.seal(21, new Uint8Array([1, 0]));
  assert.equal(toHex(second.subarray(5, 13)), '0000000000000001');
  assert.deepEqual(await reader.open(first.subarray(0, 5), first.subarray(5)), { type: 23, content: new Uint8Array([0x30]) });
  assert.deepEqual(await reader.open(second.subarray(0, 5), second.subarray(5)), { type: 21, content: new Uint8Array([1, 0]) });
  // A replayed record fails: the sequence number is in the additional data.
  const fresh = await RecordProtection12.create(suite, keys);
  await assert.rejects(fresh.open(second.subarray(0, 5), second.subarray(5)), code('TLS_BAD_RECORD_MAC'));
  const third = await writer.seal(23, new Uint8Array(10));
  const altered = third.slice();
  altered[20]! ^= 1;
  await assert.rejects(reader.open(altered.subarray(0, 5), altered.subarray(5)), code('TLS_BAD_RECORD_MAC'));
  await assert.rejects(reader.open(new Uint8Array([23, 3, 3, 0, 10]), new Uint8Array(10)), code('TLS_BAD_RECORD_MAC'));
  await assert.rejects(reader.open(new Uint8Array([23, 3, 3, 0x48, 1]), new Uint8Array(2 ** 14 + 2049)), code('TLS_RECORD_OVERFLOW'));
});

test('TLS 1.2 Certificate, CertificateRequest and ServerKeyExchange codecs reject truncation', () => {
  const certificate = encodeCertificate12([new Uint8Array([0x30, 1, 2]), new Uint8Array([0x30, 3])]).subarray(4);
  assert.deepEqual(decodeCertificate12(certificate), [new Uint8Array([0x30, 1, 2]), new Uint8Array([0x30, 3])]);
  const request = fromHex('020140' + '0004' + '0804' + '0401' + '0000');
  assert.deepEqual(decodeCertificateRequest12(request), { certificateTypes: [1, 64], signatureSchemes: [0x0804, 0x0401], authorities: [] });
  const ske = fromHex('03001d20' + '11'.repeat(32) + '0804' + '0003' + 'aabbcc');
  const params = decodeServerKeyExchange(ske);
  assert.equal(params.group, 0x1d);
  assert.equal(params.raw.length, 4 + 32);
  assert.equal(params.scheme, 0x0804);
  for (const [body, decode] of [[certificate, decodeCertificate12], [request, decodeCertificateRequest12], [ske, decodeServerKeyExchange]] as const) {
    for (let length = 0; length < body.length; length++) assert.throws(() => (decode as (b: Uint8Array) => unknown)(body.subarray(0, length)), MyProxyWebError, `prefix ${length}`);
    assert.throws(() => (decode as (b: Uint8Array) => unknown)(concatBytes(body, new Uint8Array([0]))), code('TLS_DECODE_ERROR'));
  }
  assert.throws(() => decodeServerKeyExchange(fromHex('01001d0100')), code('TLS_HANDSHAKE_FAILURE'));
});

function serverHello(random: Uint8Array, sessionId: Uint8Array, extensions: { type: number; data: Uint8Array }[]): Uint8Array {
  const w = new ByteWriter().u16(TLS12_VERSION).bytes(random).vector(1, (v) => v.bytes(sessionId)).u16(0xc02f).u8(0);
  writeExtensions(w, extensions);
  return w.finish();
}

test('version negotiation: 1.2 without supported_versions; downgrade sentinels depend on what we offered', () => {
  const ours = new Uint8Array(32).fill(5);
  const theirs = new Uint8Array(32).fill(6);
  const plain = new Uint8Array(32).fill(1);
  const both = [TLS13_VERSION, TLS12_VERSION];
  assert.equal(checkServerHello(serverHello(plain, theirs, []), ours, both).version, 'TLSv1.2');
  assert.throws(() => checkServerHello(serverHello(plain, theirs, []), ours, [TLS13_VERSION]), code('TLS_UNSUPPORTED'));
  const sentinel12 = concatBytes(new Uint8Array(24), DOWNGRADE_TLS12);
  const sentinel11 = concatBytes(new Uint8Array(24), DOWNGRADE_TLS11);
  assert.throws(() => checkServerHello(serverHello(sentinel12, theirs, []), ours, both), code('TLS_UNSUPPORTED'));
  assert.throws(() => checkServerHello(serverHello(sentinel11, theirs, []), ours, both), code('TLS_UNSUPPORTED'));
  // Offering only 1.2, DOWNGRD01 is what an honest 1.3 server sends; DOWNGRD00 still means <= 1.1.
  assert.equal(checkServerHello(serverHello(sentinel12, theirs, []), ours, [TLS12_VERSION]).version, 'TLSv1.2');
  assert.throws(() => checkServerHello(serverHello(sentinel11, theirs, []), ours, [TLS12_VERSION]), code('TLS_UNSUPPORTED'));
  // Echoing our random session id in 1.2 would be a resumption we never offered.
  assert.throws(() => checkServerHello(serverHello(plain, ours, []), ours, both), code('TLS_PROTOCOL_ERROR'));
});

test('ecdsaRawToDer is the inverse of ecdsaDerToRaw (leading zeros and high bits)', () => {
  for (const size of [32, 48]) {
    for (const [r0, s0] of [[0x00, 0x80], [0x7f, 0x00], [0xff, 0x01]] as const) {
      const raw = new Uint8Array(2 * size).fill(0x11);
      raw[0] = r0;
      raw[1] = r0 === 0 ? 0 : raw[1]!;
      raw[size] = s0;
      assert.deepEqual(ecdsaDerToRaw(ecdsaRawToDer(raw), size), raw);
    }
  }
});

test('client keys: schemes per key type; PKCS#1-only non-extractable RSA cannot do TLS 1.3', async () => {
  const subtle = globalThis.crypto.subtle;
  const rsaParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  const chain = [new Uint8Array([0x30, 0])];
  const extractable = (await subtle.generateKey(rsaParams, true, ['sign', 'verify'])) as CryptoKeyPair;
  const fixed = (await subtle.generateKey(rsaParams, false, ['sign', 'verify'])) as CryptoKeyPair;
  const ec = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const withPss = await clientCredentialFromKey({ chain, privateKey: extractable.privateKey });
  assert.deepEqual(withPss.schemes, [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pkcs1_sha256]);
  assert.ok(supportsTls13(withPss));
  const pkcs1Only = await clientCredentialFromKey({ chain, privateKey: fixed.privateKey });
  assert.deepEqual(pkcs1Only.schemes, [SignatureScheme.rsa_pkcs1_sha256]);
  assert.equal(supportsTls13(pkcs1Only), false);
  assert.equal(chooseClientScheme(pkcs1Only, [SignatureScheme.rsa_pkcs1_sha256], 'TLSv1.3'), undefined);
  assert.equal(chooseClientScheme(pkcs1Only, [SignatureScheme.rsa_pkcs1_sha256], 'TLSv1.2'), SignatureScheme.rsa_pkcs1_sha256);
  const ecdsa = await clientCredentialFromKey({ chain, privateKey: ec.privateKey });
  assert.equal(ecdsa.keyType, 'ECDSA');
  assert.deepEqual(ecdsa.schemes, [SignatureScheme.ecdsa_secp384r1_sha384]);
  const signature = await ecdsa.sign(SignatureScheme.ecdsa_secp384r1_sha384, new Uint8Array([1, 2, 3]));
  assert.ok(await subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, ec.publicKey, new Uint8Array(ecdsaDerToRaw(signature, 48)), new Uint8Array([1, 2, 3])));
  await assert.rejects(clientCredentialFromKey({ chain: [], privateKey: ec.privateKey }), code('BAD_INPUT'));
});
