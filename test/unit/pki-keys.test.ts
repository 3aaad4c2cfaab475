import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';
import { MyProxyWebError } from '../../shared/errors.js';
import { exportRsaPrivateKeyPkcs1, exportSpki, generateRsaKeyPair, samePublicKey, unwrapPkcs8Rsa } from '../../shared/pki/keys.js';
import { runProcess } from '../fixtures/process.js';

describe('generateRsaKeyPair', () => {
  it('makes an RSA 2048, e=65537, SHA-256 signing key pair', async () => {
    const pair = await generateRsaKeyPair({ extractable: true });
    const algorithm = pair.privateKey.algorithm as RsaHashedKeyAlgorithm;
    assert.equal(algorithm.name, 'RSASSA-PKCS1-v1_5');
    assert.equal(algorithm.modulusLength, 2048);
    assert.deepEqual([...algorithm.publicExponent], [1, 0, 1]);
    assert.equal(algorithm.hash.name, 'SHA-256');
    assert.ok(pair.privateKey.usages.includes('sign'));
    assert.equal(pair.privateKey.extractable, true);
  });

  it('honours extractable: false and rejects silly sizes', async () => {
    const pair = await generateRsaKeyPair({ extractable: false, modulusBits: 1024 });
    assert.equal(pair.privateKey.extractable, false);
    await assert.rejects(exportRsaPrivateKeyPkcs1(pair.privateKey), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
    await assert.rejects(generateRsaKeyPair({ extractable: true, modulusBits: 1000 }), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
  });
});

describe('exportRsaPrivateKeyPkcs1', () => {
  it('gives a PKCS#1 RSAPrivateKey that openssl accepts and that matches the public key', async () => {
    const pair = await generateRsaKeyPair({ extractable: true });
    const pkcs1 = await exportRsaPrivateKeyPkcs1(pair.privateKey);
    assert.equal(pkcs1[0], 0x30);

    const check = await runProcess('openssl', ['rsa', '-inform', 'DER', '-check', '-noout'], { input: Buffer.from(pkcs1) });
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /RSA key ok/);

    const modulus = await runProcess('openssl', ['rsa', '-inform', 'DER', '-noout', '-modulus'], { input: Buffer.from(pkcs1) });
    assert.equal(modulus.code, 0, modulus.stderr);
    const spki = await exportSpki(pair.publicKey);
    const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const expected = Buffer.from(jwk.n!, 'base64url').toString('hex').toUpperCase();
    assert.equal(modulus.stdout.trim(), `Modulus=${expected}`);

    // PEM form as written in credential files: "BEGIN RSA PRIVATE KEY" is read as PKCS#1.
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${Buffer.from(pkcs1).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END RSA PRIVATE KEY-----\n`;
    const text = await runProcess('openssl', ['rsa', '-noout', '-text'], { input: pem });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Private-Key: \(2048 bit, 2 primes\)/);
  });

  it('refuses a PKCS#8 key of another algorithm', async () => {
    const ec = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])) as CryptoKeyPair;
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', ec.privateKey));
    assert.throws(() => unwrapPkcs8Rsa(pkcs8), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
    await assert.rejects(exportRsaPrivateKeyPkcs1(ec.privateKey), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
  });

  it('refuses public keys', async () => {
    const pair = await generateRsaKeyPair({ extractable: true, modulusBits: 1024 });
    await assert.rejects(exportRsaPrivateKeyPkcs1(pair.publicKey), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
  });
});

describe('samePublicKey', () => {
  it('compares algorithm and key bits', async () => {
    const a = await generateRsaKeyPair({ extractable: false, modulusBits: 1024 });
    const b = await generateRsaKeyPair({ extractable: false, modulusBits: 1024 });
    const spkiA = await exportSpki(a.publicKey);
    assert.ok(samePublicKey(spkiA, spkiA.slice()));
    assert.ok(!samePublicKey(spkiA, await exportSpki(b.publicKey)));
    assert.ok(!samePublicKey(spkiA, new Uint8Array([1, 2, 3])));
  });
});
