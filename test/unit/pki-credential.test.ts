import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MyProxyWebError } from '../../shared/errors.js';
import { createProxyCsr } from '../../shared/pki/csr.js';
import { credentialToPem, describeCertificate, type Credential } from '../../shared/pki/credential.js';
import { formatDnOneline } from '../../shared/pki/dn.js';
import { exportSpki, generateRsaKeyPair, samePublicKey } from '../../shared/pki/keys.js';
import { pemCertificates, pemDecodeAll } from '../../shared/pki/pem.js';
import { runProcess } from '../fixtures/process.js';

async function openssl(args: string[], options: { cwd: string; input?: string | Buffer }): Promise<string> {
  const result = await runProcess('openssl', args, options);
  assert.equal(result.code, 0, `openssl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('credential', () => {
  let dir: string;
  let keyPair: CryptoKeyPair;
  let caDer: Uint8Array;
  let eecDer: Uint8Array;
  let proxyDer: Uint8Array;
  let fancyDer: Uint8Array;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pki-credential-'));
    const cwd = dir;
    // A CA, an end-entity certificate with a multi-valued, non-ASCII subject, and a proxy of it for our key.
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
      '-subj', '/O=myproxy-web test/CN=Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { cwd });
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'fancy.key', '-out', 'fancy.pem', '-days', '1', '-utf8',
      '-multivalue-rdn', '-subj', '/DC=org/DC=example/O=myproxy-web test+OU=Team/CN=Jürgen Müller/emailAddress=j@example.org'], { cwd });
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'eec.key', '-out', 'eec.csr', '-subj', '/O=myproxy-web test/CN=Alice'], { cwd });
    await writeFile(path.join(dir, 'eec.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
    await openssl(['x509', '-req', '-in', 'eec.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '4096', '-days', '1',
      '-extfile', 'eec.ext', '-out', 'eec.pem'], { cwd });

    // A proxy for our key, from our own CSR, named like the server names them (§4.1).
    keyPair = await generateRsaKeyPair({ extractable: true });
    await writeFile(path.join(dir, 'proxy.csr.der'), await createProxyCsr(keyPair));
    await writeFile(path.join(dir, 'proxy.ext'),
      'keyUsage=critical,digitalSignature,keyEncipherment\nproxyCertInfo=critical,language:id-ppl-inheritAll\n');
    await openssl(['x509', '-req', '-inform', 'DER', '-in', 'proxy.csr.der', '-CA', 'eec.pem', '-CAkey', 'eec.key', '-set_serial', '12345',
      '-days', '1', '-extfile', 'proxy.ext', '-out', 'proxy.pem', '-subj', '/O=myproxy-web test/CN=Alice/CN=12345'], { cwd });
    const der = async (name: string): Promise<Uint8Array> => pemCertificates(await readFile(path.join(dir, name), 'utf8'))[0]!;
    caDer = await der('ca.pem');
    eecDer = await der('eec.pem');
    fancyDer = await der('fancy.pem');
    proxyDer = await der('proxy.pem');
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('formats DNs like openssl -nameopt compat (oneline), including multi-valued RDNs and UTF-8', async () => {
    for (const [name, der] of [['eec.pem', eecDer], ['proxy.pem', proxyDer], ['ca.pem', caDer], ['fancy.pem', fancyDer]] as const) {
      const description = describeCertificate(der);
      for (const field of ['subject', 'issuer'] as const) {
        const expected = (await openssl(['x509', '-in', name, '-noout', `-${field}`, '-nameopt', 'compat'], { cwd: dir })).trim().replace(/^(subject|issuer)=/, '');
        assert.equal(description[field], expected, `${name} ${field}`);
      }
    }
    assert.equal(describeCertificate(caDer).subject, '/O=myproxy-web test/CN=Test CA');
    assert.equal(describeCertificate(proxyDer).subject, '/O=myproxy-web test/CN=Alice/CN=12345');
    // DER sorts the SET of a multi-valued RDN, hence OU before O.
    assert.equal(describeCertificate(fancyDer).subject, '/DC=org/DC=example/OU=Team+O=myproxy-web test/CN=J\\xC3\\xBCrgen M\\xC3\\xBCller/emailAddress=j@example.org');
  });

  it('falls back to a dotted OID and the flat list without an encoding', () => {
    const name = new pkijs.RelativeDistinguishedNames({
      typesAndValues: [
        new pkijs.AttributeTypeAndValue({ type: '2.5.4.10', value: new asn1js.PrintableString({ value: 'Org' }) }),
        new pkijs.AttributeTypeAndValue({ type: '1.2.3.4', value: new asn1js.Utf8String({ value: 'x' }) }),
      ],
    });
    assert.equal(formatDnOneline(name), '/O=Org/1.2.3.4=x');
  });

  it('describes a proxy certificate', async () => {
    const description = describeCertificate(proxyDer);
    assert.equal(description.isProxy, true);
    assert.equal(description.issuer, describeCertificate(eecDer).subject);
    assert.ok(samePublicKey(description.publicKeySpki, await exportSpki(keyPair.publicKey)));
    const notAfter = new Date((await openssl(['x509', '-in', 'proxy.pem', '-noout', '-enddate'], { cwd: dir })).trim().replace(/^notAfter=/, ''));
    assert.equal(description.notAfter.getTime(), notAfter.getTime());
    assert.ok(description.notBefore.getTime() <= Date.now());
    assert.equal(describeCertificate(eecDer).isProxy, false);
  });

  it('rejects bytes that are not a certificate', () => {
    for (const bad of [new Uint8Array(0), new Uint8Array([0x30, 0x03, 1, 2, 3]), proxyDer.subarray(0, 100), new Uint8Array([...eecDer, 0])]) {
      assert.throws(() => describeCertificate(bad), (e: unknown) => e instanceof MyProxyWebError && e.code === 'CERT_PARSE_ERROR');
    }
  });

  it('writes PEM in myproxy-logon order: cert, PKCS#1 key, chain; openssl agrees', async () => {
    const description = describeCertificate(proxyDer);
    const credential: Credential = {
      certificate: proxyDer,
      chain: [eecDer],
      privateKey: keyPair.privateKey,
      subject: description.subject,
      issuer: description.issuer,
      notBefore: description.notBefore,
      notAfter: description.notAfter,
      isProxy: description.isProxy,
    };
    const pem = await credentialToPem(credential);
    assert.deepEqual(pemDecodeAll(pem).map((block) => block.label), ['CERTIFICATE', 'RSA PRIVATE KEY', 'CERTIFICATE']);
    const file = path.join(dir, 'x509up');
    await writeFile(file, pem, { mode: 0o600 });
    const certModulus = await openssl(['x509', '-in', file, '-noout', '-modulus'], { cwd: dir });
    const keyModulus = await openssl(['rsa', '-in', file, '-noout', '-modulus'], { cwd: dir });
    assert.equal(certModulus, keyModulus);
    // The chain in the file plus the CA verifies (proxy validation allowed).
    const verify = await runProcess('openssl', ['verify', '-allow_proxy_certs', '-CAfile', 'ca.pem', '-untrusted', file, file], { cwd: dir });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    const locked = { ...credential, privateKey: (await generateRsaKeyPair({ extractable: false, modulusBits: 1024 })).privateKey };
    await assert.rejects(credentialToPem(locked), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
  });
});
