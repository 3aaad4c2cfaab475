import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toHex } from '../../shared/bytes/bytes.js';
import { createProxyCsr, encodeProxyCertInfoInheritAll, OID_PPL_INHERIT_ALL, OID_PROXY_CERT_INFO, webCryptoEngine } from '../../shared/pki/csr.js';
import { formatDnOneline } from '../../shared/pki/dn.js';
import { exportSpki, generateRsaKeyPair } from '../../shared/pki/keys.js';
import { runProcess } from '../fixtures/process.js';

describe('createProxyCsr', async () => {
  const keyPair = await generateRsaKeyPair({ extractable: false });
  const der = await createProxyCsr(keyPair);

  it('encodes ProxyCertInfo as RFC 3820 with inheritAll and no path length', () => {
    // SEQUENCE { SEQUENCE { OID 1.3.6.1.5.5.7.21.1 } }
    assert.equal(toHex(encodeProxyCertInfoInheritAll()), '300c300a06082b06010505071501');
  });

  it('decodes with pkijs: version 0, the C client subject, our key, SHA-256, critical ProxyCertInfo', async () => {
    const parsed = asn1js.fromBER(der);
    assert.equal(parsed.offset, der.byteLength);
    const csr = new pkijs.CertificationRequest({ schema: parsed.result });
    assert.equal(csr.version, 0);
    assert.equal(formatDnOneline(csr.subject), '/CN=NULL SUBJECT NAME ENTRY');
    assert.equal(csr.signatureAlgorithm.algorithmId, '1.2.840.113549.1.1.11'); // sha256WithRSAEncryption
    assert.deepEqual(new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER(false)), await exportSpki(keyPair.publicKey));
    assert.equal(await csr.verify(webCryptoEngine()), true);

    assert.equal(csr.attributes?.length, 1);
    const attribute = csr.attributes![0]!;
    assert.equal(attribute.type, '1.2.840.113549.1.9.14');
    const extensions = new pkijs.Extensions({ schema: attribute.values[0] });
    assert.equal(extensions.extensions.length, 1);
    const extension = extensions.extensions[0]!;
    assert.equal(extension.extnID, OID_PROXY_CERT_INFO);
    assert.equal(extension.critical, true);
    const info = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView).result as asn1js.Sequence;
    assert.equal(info.valueBlock.value.length, 1, 'no pCPathLenConstraint');
    const policy = info.valueBlock.value[0] as asn1js.Sequence;
    assert.equal((policy.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString(), OID_PPL_INHERIT_ALL);
    assert.equal(policy.valueBlock.value.length, 1, 'no policy octets');
  });

  it('passes openssl req -verify and shows the critical proxy extension', async () => {
    const result = await runProcess('openssl', ['req', '-inform', 'DER', '-noout', '-text', '-verify'], { input: Buffer.from(der) });
    assert.equal(result.code, 0, result.stderr);
    const output = result.stdout + result.stderr;
    assert.match(output, /(verify OK|Certificate request self-signature verify OK)/);
    assert.match(result.stdout, /Subject: CN\s?=\s?NULL SUBJECT NAME ENTRY/);
    assert.match(result.stdout, /Public-Key: \(2048 bit\)/);
    assert.match(result.stdout, /Exponent: 65537/);
    assert.match(result.stdout, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(result.stdout, /Proxy Certificate Information: critical/);
    assert.match(result.stdout, /Inherit all/);
    assert.match(result.stdout, /Path Length Constraint: infinite/); // absent = unlimited
  });

  it('fails openssl verification when a signed byte is altered', async () => {
    const tampered = der.slice();
    // Flip a bit inside the subject's CN value (part of the signed CertificationRequestInfo).
    const at = Buffer.from(tampered).indexOf('NULL SUBJECT');
    tampered[at] ^= 0x01;
    const result = await runProcess('openssl', ['req', '-inform', 'DER', '-noout', '-verify'], { input: Buffer.from(tampered) });
    // OpenSSL 3.0 reports the failure in its output (the exit code varies across versions).
    assert.ok(result.code !== 0 || /verify failure/i.test(result.stdout + result.stderr), result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /verify OK/);
  });
});
