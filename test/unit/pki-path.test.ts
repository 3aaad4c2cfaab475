/**
 * Strict path validation without sockets: one certificate per rule (test/fixtures/cert-cases.ts),
 * each rejected with its own code; path building from unordered and extra certificates; keyUsage
 * bit order; name constraint matching; RFC 3820 proxy paths.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { fromHex } from '../../shared/bytes/bytes.js';
import { validateServerChain } from '../../shared/pki/chain.js';
import { decodeKeyUsage } from '../../shared/pki/path-extensions.js';
import { dnsWithin, emailWithin, ipWithin } from '../../shared/pki/path-names.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { validateProxyChain } from '../../shared/pki/proxy-path.js';
import { makeCertCases, type CertCases, type ServedCase } from '../fixtures/cert-cases.js';
import { makeTestPki, type TestPki } from '../fixtures/openssl-server.js';

const run = promisify(execFile);
let pki: TestPki;
let cases: CertCases;
const now = () => new Date();

async function chainOf(served: ServedCase): Promise<Uint8Array[]> {
  const leaf = pemCertificates(await readFile(served.cert, 'utf8'));
  const rest = served.chain ? pemCertificates(await readFile(served.chain, 'utf8')) : [];
  return [...leaf, ...rest];
}

before(async () => {
  pki = await makeTestPki();
  cases = await makeCertCases(pki);
});
after(async () => {
  await pki?.cleanup();
});

test('keyUsage bits count from the most significant bit of the first byte', () => {
  // keyCertSign | cRLSign = bits 5 and 6: 0x06 with 1 unused bit.
  const caUsage = decodeKeyUsage(fromHex('03020106'));
  assert.equal(caUsage(5), true);
  assert.equal(caUsage(6), true);
  assert.equal(caUsage(0), false);
  assert.equal(caUsage(2), false, 'the reversed (LSB-first) reading would see keyEncipherment here');
  const leafUsage = decodeKeyUsage(fromHex('030205a0')); // digitalSignature | keyEncipherment
  assert.equal(leafUsage(0), true);
  assert.equal(leafUsage(2), true);
  assert.equal(leafUsage(5), false);
  const decipherOnly = decodeKeyUsage(fromHex('0303070080'));
  assert.equal(decipherOnly(8), true);
  assert.throws(() => decodeKeyUsage(fromHex('030208ff')), { code: 'CERT_PARSE_ERROR' });
});

test('name constraint matching rules', () => {
  assert.equal(dnsWithin('myproxy.example.org', 'example.org'), true);
  assert.equal(dnsWithin('example.org', 'example.org'), true);
  assert.equal(dnsWithin('badexample.org', 'example.org'), false);
  assert.equal(dnsWithin('example.org', '.example.org'), false);
  assert.equal(dnsWithin('a.example.org', '.example.org'), true);
  assert.equal(dnsWithin('anything', ''), true);
  assert.equal(emailWithin('alice@example.org', 'example.org'), true);
  assert.equal(emailWithin('alice@sub.example.org', '.example.org'), true);
  assert.equal(emailWithin('alice@example.org', 'bob@example.org'), false);
  assert.equal(ipWithin(new Uint8Array([10, 1, 2, 3]), new Uint8Array([10, 0, 0, 0, 255, 0, 0, 0])), true);
  assert.equal(ipWithin(new Uint8Array([11, 1, 2, 3]), new Uint8Array([10, 0, 0, 0, 255, 0, 0, 0])), false);
});

describe('path building', () => {
  test('unordered chain with an unrelated extra certificate is accepted', async () => {
    await validateServerChain(await chainOf(cases.unordered), [pki.caDer], now());
  });
  test('intermediates given as trust roots anchor the path', async () => {
    await validateServerChain([cases.der.leaf3], [pki.otherCaDer, cases.der.int2], now());
  });
  test('a second CA with the same name but another key is skipped', async () => {
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'twin.key', '-out', 'twin.pem', '-days', '5',
      '-subj', '/O=Test/CN=Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], { cwd: pki.dir });
    const twin = pemCertificates(await readFile(path.join(pki.dir, 'twin.pem'), 'utf8'))[0]!;
    await validateServerChain(await chainOf({ ...pki.rsa }), [twin, pki.caDer], now());
    await assert.rejects(validateServerChain(await chainOf({ ...pki.rsa }), [twin], now()), { code: 'CERT_BAD_SIGNATURE' });
  });
});

describe('each broken rule has its own code', () => {
  const expectations: [keyof CertCases | 'expired', string, Date?][] = [
    ['expired', 'CERT_EXPIRED'],
    ['notYetValid', 'CERT_NOT_YET_VALID'],
    ['selfSigned', 'CERT_SELF_SIGNED'],
    ['rogueRoot', 'CERT_UNTRUSTED'],
    ['incomplete', 'CERT_INCOMPLETE_CHAIN'],
    ['sha1', 'CERT_WEAK_SIGNATURE'],
    ['sha1Intermediate', 'CERT_WEAK_SIGNATURE'],
    ['rsa1024', 'CERT_WEAK_KEY'],
    ['clientAuthOnly', 'CERT_BAD_EKU'],
    ['unknownCritical', 'CERT_UNKNOWN_CRITICAL_EXTENSION'],
    ['pathLength', 'CERT_PATH_LENGTH'],
    ['noKeyCertSign', 'CERT_BAD_KEY_USAGE'],
    ['nameConstraints', 'CERT_NAME_CONSTRAINTS'],
  ];
  for (const [name, code] of expectations) {
    test(`${name} -> ${code}`, async () => {
      const served = (name === 'expired' ? pki.expired : cases[name]) as ServedCase;
      await assert.rejects(validateServerChain(await chainOf(served), [pki.caDer], now()), (error: Error & { code?: string }) => {
        assert.equal(error.code, code, error.message);
        return true;
      });
    });
  }
  test('MD5 signature -> CERT_WEAK_SIGNATURE', async () => {
    await assert.rejects(validateServerChain([cases.md5Der], [pki.caDer], now()), { code: 'CERT_WEAK_SIGNATURE' });
  });
  test('a SHA-1 self-signature on the trust anchor itself is not held against it', async () => {
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-sha1', '-nodes', '-keyout', 'old.key', '-out', 'old.pem', '-days', '5',
      '-subj', '/O=Old/CN=Old CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], { cwd: pki.dir });
    await writeFile(path.join(pki.dir, 'old-leaf.ext'), 'subjectAltName=DNS:localhost\n');
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'old-leaf.key', '-out', 'old-leaf.csr', '-subj', '/CN=localhost'], { cwd: pki.dir });
    await run('openssl', ['x509', '-req', '-in', 'old-leaf.csr', '-CA', 'old.pem', '-CAkey', 'old.key', '-set_serial', '7', '-days', '5', '-sha256', '-extfile', 'old-leaf.ext', '-out', 'old-leaf.pem'], { cwd: pki.dir });
    const root = pemCertificates(await readFile(path.join(pki.dir, 'old.pem'), 'utf8'))[0]!;
    const leaf = pemCertificates(await readFile(path.join(pki.dir, 'old-leaf.pem'), 'utf8'))[0]!;
    await validateServerChain([leaf, root], [root], now());
  });
});

describe('RFC 3820 proxy paths', () => {
  let serial = 100;
  /** Issues a proxy of `issuer` (base path without .pem/.key) named `name` in pki.dir. */
  async function proxy(name: string, issuer: string, ext: string[], subjectSuffix = `/CN=${++serial}`): Promise<string> {
    const dir = pki.dir;
    const issuerSubject = (await run('openssl', ['x509', '-in', `${issuer}.pem`, '-noout', '-subject', '-nameopt', 'compat'], { cwd: dir })).stdout.trim().replace(/^subject=/, '');
    const subject = subjectSuffix.startsWith('!') ? subjectSuffix.slice(1) : `${issuerSubject}${subjectSuffix}`;
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], { cwd: dir });
    await writeFile(path.join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
    await run('openssl', ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-set_serial', String(serial), '-days', '1', '-sha256',
      '-extfile', `${name}.ext`, '-out', `${name}.pem`], { cwd: dir });
    return name;
  }
  const der = async (name: string) => pemCertificates(await readFile(path.join(pki.dir, `${name}.pem`), 'utf8'))[0]!;
  const inheritAll = (extra = '') => [`proxyCertInfo=critical,language:id-ppl-inheritAll${extra}`, 'keyUsage=critical,digitalSignature,keyEncipherment'];
  const eec = () => path.basename(pki.rsa.cert, '.pem');

  test('a proxy and a proxy of a proxy are accepted; the identity is the EEC', async () => {
    const p1 = await proxy('p1', eec(), inheritAll());
    const p2 = await proxy('p2', p1, inheritAll());
    const result = await validateProxyChain([await der(p2), await der(p1), await der(eec()), pki.caDer], [pki.caDer], now(), { purpose: 'clientAuth' });
    assert.equal(result.proxyCount, 2);
    assert.equal(result.identity, '/O=Test/CN=localhost');
    assert.equal(result.limited, false);
    assert.equal(result.path.length, 4);
    // The server chain check accepts the same shape.
    await validateServerChain([await der(p1), await der(eec())], [pki.caDer], now());
  });

  test('limited proxies: limited below limited is fine, full rights below limited is not', async () => {
    const limited = await proxy('lim', eec(), ['proxyCertInfo=critical,language:1.3.6.1.4.1.3536.1.1.1.9']);
    const below = await proxy('lim2', limited, ['proxyCertInfo=critical,language:1.3.6.1.4.1.3536.1.1.1.9']);
    const result = await validateProxyChain([await der(below), await der(limited), await der(eec())], [pki.caDer], now());
    assert.equal(result.limited, true);
    const full = await proxy('lim-full', limited, inheritAll());
    await assert.rejects(validateProxyChain([await der(full), await der(limited), await der(eec())], [pki.caDer], now()), { code: 'CERT_BAD_PROXY' });
  });

  const bad: [string, () => Promise<Uint8Array[]>, string][] = [
    ['pCPathLenConstraint 0 with a proxy below', async () => {
      const top = await proxy('pl0', eec(), inheritAll(',pathlen:0'));
      return [await der(await proxy('pl0-sub', top, inheritAll())), await der(top), await der(eec())];
    }, 'CERT_PATH_LENGTH'],
    ['non-critical ProxyCertInfo', async () => [await der(await proxy('nc-pci', eec(), ['proxyCertInfo=language:id-ppl-inheritAll'])), await der(eec())], 'CERT_BAD_PROXY'],
    ['subject not issuer + one CN', async () => [await der(await proxy('bad-subj', eec(), inheritAll(), '!/O=Test/CN=other/CN=1')), await der(eec())], 'CERT_BAD_PROXY'],
    ['extra RDN that is not a CN', async () => [await der(await proxy('bad-rdn', eec(), inheritAll(), '/OU=x')), await der(eec())], 'CERT_BAD_PROXY'],
    ['subjectAltName on a proxy', async () => [await der(await proxy('san', eec(), [...inheritAll(), 'subjectAltName=DNS:localhost'])), await der(eec())], 'CERT_BAD_PROXY'],
    ['proxy that claims to be a CA', async () => [await der(await proxy('ca-proxy', eec(), [...inheritAll(), 'basicConstraints=critical,CA:TRUE'])), await der(eec())], 'CERT_BAD_PROXY'],
    ['proxy with keyCertSign', async () => [await der(await proxy('kcs-proxy', eec(), ['proxyCertInfo=critical,language:id-ppl-inheritAll', 'keyUsage=critical,digitalSignature,keyCertSign'])), await der(eec())], 'CERT_BAD_PROXY'],
    ['unknown policy language', async () => [await der(await proxy('lang', eec(), ['proxyCertInfo=critical,language:1.2.3.4'])), await der(eec())], 'CERT_BAD_PROXY'],
    ['proxy issued by a CA', async () => [await der(await proxy('by-ca', path.join('..', path.basename(pki.dir), 'ca'), inheritAll())), pki.caDer], 'CERT_BAD_PROXY'],
    ['proxy issuing an ordinary certificate', async () => {
      const p = await proxy('issuer-proxy', eec(), inheritAll());
      return [await der(await proxy('child', p, ['basicConstraints=CA:FALSE'], '!/O=Test/CN=child')), await der(p), await der(eec()), pki.caDer];
    }, 'CERT_BAD_PROXY'],
  ];
  for (const [name, make, code] of bad) {
    test(`${name} -> ${code}`, async () => {
      const chain = await make();
      await assert.rejects(validateProxyChain(chain, [pki.caDer], now()), (error: Error & { code?: string }) => {
        assert.equal(error.code, code, error.message);
        return true;
      });
    });
  }
});
