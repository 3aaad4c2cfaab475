/** Identity rules (RFC 6125 wildcards, IP literals, GSI service prefixes) and chain validation failures. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { toHex } from '../../shared/bytes/bytes.js';
import { validateServerChain } from '../../shared/pki/chain.js';
import { checkExactServerDn, checkMyProxyServerIdentity, dnsNameMatches, parseIpAddress, stripServicePrefix } from '../../shared/pki/identity.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { formatDnOneline, parseCertificate } from '../../shared/pki/x509.js';
import { makeTestPki, type TestPki } from '../fixtures/openssl-server.js';

const run = promisify(execFile);
let pki: TestPki;
const der = async (file: string) => pemCertificates(await readFile(file, 'utf8'))[0]!;

before(async () => {
  pki = await makeTestPki();
});
after(async () => {
  await pki?.cleanup();
});

test('RFC 6125 wildcard matching', () => {
  assert.equal(dnsNameMatches('*.example.org', 'myproxy.example.org'), true);
  assert.equal(dnsNameMatches('*.EXAMPLE.org', 'MyProxy.example.org.'), true);
  assert.equal(dnsNameMatches('*.example.org', 'example.org'), false);
  assert.equal(dnsNameMatches('*.example.org', 'a.b.example.org'), false);
  assert.equal(dnsNameMatches('my*.example.org', 'myproxy.example.org'), false);
  assert.equal(dnsNameMatches('a.*.example.org', 'a.b.example.org'), false);
  assert.equal(dnsNameMatches('*.org', 'example.org'), false);
  assert.equal(dnsNameMatches('localhost', 'LOCALHOST'), true);
});

test('IP literals and service prefixes', () => {
  assert.equal(toHex(parseIpAddress('127.0.0.1')!), '7f000001');
  assert.equal(parseIpAddress('127.0.0.01'), undefined);
  assert.equal(parseIpAddress('256.0.0.1'), undefined);
  assert.equal(toHex(parseIpAddress('::1')!), '00'.repeat(15) + '01');
  assert.equal(toHex(parseIpAddress('[2001:db8::7f00:1]')!), '20010db8' + '00'.repeat(8) + '7f000001');
  assert.equal(toHex(parseIpAddress('::ffff:10.0.0.1')!), '00'.repeat(10) + 'ffff0a000001');
  assert.equal(parseIpAddress('1:2:3:4:5:6:7:8:9'), undefined);
  assert.equal(parseIpAddress('localhost'), undefined);
  assert.equal(stripServicePrefix('host/localhost'), 'localhost');
  assert.equal(stripServicePrefix('myproxy/localhost'), 'localhost');
  assert.equal(stripServicePrefix('localhost'), 'localhost');
});

test('MyProxy identity on real certificates', async () => {
  const rsa = await der(pki.rsa.cert);
  const cnOnly = await der(pki.cnOnly.cert);
  assert.equal(formatDnOneline(parseCertificate(rsa).subject), '/O=Test/CN=localhost');
  assert.equal(formatDnOneline(parseCertificate(cnOnly).subject), '/O=Test/CN=host/localhost');
  checkMyProxyServerIdentity(rsa, 'localhost');
  checkMyProxyServerIdentity(rsa, 'LocalHost');
  checkMyProxyServerIdentity(cnOnly, 'localhost');
  assert.throws(() => checkMyProxyServerIdentity(rsa, 'other.example.org'), (error: Error & { code?: string }) =>
    error.code === 'CERT_NAME_MISMATCH' && error.message.includes('/O=Test/CN=localhost') && error.message.includes('other.example.org'));
  assert.throws(() => checkMyProxyServerIdentity(cnOnly, 'host'), { code: 'CERT_NAME_MISMATCH' });
  checkExactServerDn('/O=Test/CN=localhost')(rsa, '127.0.0.1');
  assert.throws(() => checkExactServerDn('/O=Test/CN=localhost')(cnOnly, 'localhost'), { code: 'CERT_NAME_MISMATCH' });
});

test('chain validation: order, extras, anchors, and failures', async () => {
  const leaf = await der(pki.rsa.cert);
  const now = new Date();
  await validateServerChain([leaf, pki.caDer], [pki.caDer], now);
  await validateServerChain([leaf], [pki.caDer], now);
  await validateServerChain([leaf, pki.otherCaDer, pki.caDer], [pki.otherCaDer, pki.caDer], now);
  await assert.rejects(validateServerChain([leaf, pki.caDer], [pki.otherCaDer], now), { code: 'CERT_UNTRUSTED' });
  await assert.rejects(validateServerChain([leaf], [pki.caDer], new Date('2100-01-01')), { code: 'CERT_EXPIRED' });
  await assert.rejects(validateServerChain([new Uint8Array([0x30, 0x03, 1, 2, 3])], [pki.caDer], now), { code: 'CERT_PARSE_ERROR' });
  // Flip a bit inside the signature value (the last byte of the certificate).
  const tampered = leaf.slice();
  tampered[tampered.length - 1]! ^= 1;
  await assert.rejects(validateServerChain([tampered], [pki.caDer], now), { code: 'CERT_BAD_SIGNATURE' });
  // A certificate issued by a non-CA (the RSA server certificate) must not validate.
  const dir = pki.dir;
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'sub.key', '-out', 'sub.csr', '-subj', '/CN=localhost'], { cwd: dir });
  await writeFile(path.join(dir, 'sub.ext'), 'subjectAltName=DNS:localhost\n');
  await run('openssl', ['x509', '-req', '-in', 'sub.csr', '-CA', pki.rsa.cert, '-CAkey', pki.rsa.key, '-CAcreateserial', '-days', '5', '-extfile', 'sub.ext', '-out', 'sub.pem'], { cwd: dir });
  const sub = await der(path.join(dir, 'sub.pem'));
  await assert.rejects(validateServerChain([sub, leaf, pki.caDer], [pki.caDer], new Date(Date.now() + 60_000)), { code: 'CERT_INVALID' });
});
