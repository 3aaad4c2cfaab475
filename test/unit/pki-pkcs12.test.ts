/**
 * shared/pki/pkcs12.ts against the real tools: openssl pkcs12 must verify the MAC, report
 * PBES2/PBKDF2/AES-256-CBC/hmacWithSHA256 and a SHA-256 MAC, and give back the same key and
 * certificates; Debian's grid-proxy-init must load the file and make a proxy from it.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MyProxyWebError } from '../../shared/errors.js';
import { bmpPassword, createPkcs12, pkcs12Kdf } from '../../shared/pki/pkcs12.js';
import { pemCertificates, pemDecodeAll } from '../../shared/pki/pem.js';
import { runProcess } from '../fixtures/process.js';

const CA_SUBJECT = '/O=myproxy-web test/CN=PKCS12 Test CA';
const ALICE_SUBJECT = '/O=myproxy-web test/CN=Alice';

async function tool(command: string, args: string[], options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv }) {
  return runProcess(command, args, { ...options, timeoutMs: 60_000 });
}

async function openssl(args: string[], cwd: string, input?: string): Promise<string> {
  const result = await tool('openssl', args, { cwd, ...(input !== undefined ? { input } : {}) });
  assert.equal(result.code, 0, `openssl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function pkcs8Of(pem: string): Uint8Array {
  const block = pemDecodeAll(pem).find((b) => b.label === 'PRIVATE KEY');
  assert.ok(block, 'no PKCS#8 block');
  return block.der;
}

describe('PKCS#12 export', () => {
  let dir: string;
  let trustDir: string;
  let ca: Uint8Array;
  let alice: { cert: Uint8Array; pkcs8: Uint8Array };
  let proxy: { cert: Uint8Array; pkcs8: Uint8Array };
  let ec: { cert: Uint8Array; pkcs8: Uint8Array };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pki-pkcs12-'));
    const cwd = dir;
    await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', CA_SUBJECT,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], cwd);
    await writeFile(path.join(dir, 'eec.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
    await writeFile(path.join(dir, 'proxy.ext'), 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nproxyCertInfo=critical,language:id-ppl-inheritAll\n');
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'alice.key', '-out', 'alice.csr', '-subj', ALICE_SUBJECT], cwd);
    await openssl(['x509', '-req', '-in', 'alice.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '4097', '-days', '1', '-extfile', 'eec.ext', '-out', 'alice.pem'], cwd);
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'proxy.key', '-out', 'proxy.csr', '-subj', `${ALICE_SUBJECT}/CN=1234`], cwd);
    await openssl(['x509', '-req', '-in', 'proxy.csr', '-CA', 'alice.pem', '-CAkey', 'alice.key', '-set_serial', '1234', '-days', '1', '-extfile', 'proxy.ext', '-out', 'proxy.pem'], cwd);
    await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key', '-out', 'ec.csr', '-subj', `${ALICE_SUBJECT} EC`], cwd);
    await openssl(['x509', '-req', '-in', 'ec.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', '4098', '-days', '1', '-extfile', 'eec.ext', '-out', 'ec.pem'], cwd);
    const read = async (name: string) => readFile(path.join(dir, name), 'utf8');
    ca = pemCertificates(await read('ca.pem'))[0]!;
    alice = { cert: pemCertificates(await read('alice.pem'))[0]!, pkcs8: pkcs8Of(await read('alice.key')) };
    proxy = { cert: pemCertificates(await read('proxy.pem'))[0]!, pkcs8: pkcs8Of(await read('proxy.key')) };
    ec = { cert: pemCertificates(await read('ec.pem'))[0]!, pkcs8: pkcs8Of(await read('ec.key')) };

    // An X509_CERT_DIR for grid-proxy-init: <hash>.0 and the signing policy Globus insists on.
    trustDir = path.join(dir, 'trust');
    await mkdir(trustDir);
    const hash = (await openssl(['x509', '-in', 'ca.pem', '-noout', '-subject_hash'], cwd)).trim();
    await writeFile(path.join(trustDir, `${hash}.0`), await read('ca.pem'));
    await writeFile(path.join(trustDir, `${hash}.signing_policy`),
      `access_id_CA X509 '${CA_SUBJECT}'\npos_rights globus CA:sign\ncond_subjects globus '"/O=myproxy-web test/*"'\n`);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writeP12(name: string, bytes: Uint8Array): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    await chmod(file, 0o600); // Globus refuses credential files readable by others.
    return file;
  }

  /** `openssl pkcs12 -info`: the algorithms it reports, and the PEM it extracts. */
  async function opensslRead(file: string, password: string) {
    const result = await tool('openssl', ['pkcs12', '-in', file, '-passin', `pass:${password}`, '-info', '-nodes'], { cwd: dir });
    return { ok: result.code === 0, info: result.stderr, pem: result.stdout };
  }

  it('openssl verifies the SHA-256 MAC and decrypts PBES2/AES-256-CBC bags to the same key and certificates', async () => {
    const key = await crypto.subtle.importKey('pkcs8', new Uint8Array(alice.pkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    const password = 'correct horse battery';
    const file = await writeP12('alice.p12', await createPkcs12({ certificate: alice.cert, chain: [ca], privateKey: key, password, friendlyName: 'Alice' }));
    const { ok, info, pem } = await opensslRead(file, password);
    assert.ok(ok, info);
    assert.match(info, /MAC: sha256, Iteration 2048/);
    assert.match(info, /PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
    assert.match(info, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256/);
    assert.deepEqual(pemCertificates(pem), [alice.cert, ca]);
    assert.deepEqual(pkcs8Of(pem), alice.pkcs8);
    assert.match(pem, /friendlyName: Alice/);
    assert.match(pem, /localKeyID: [0-9A-F ]+/);

    const wrong = await opensslRead(file, 'not the password');
    assert.equal(wrong.ok, false);
    assert.match(wrong.info, /mac verify (error|failure)/i);
  });

  it('grid-proxy-init loads it and makes a proxy for the identity; a wrong password is refused', async () => {
    const password = 'grid pass phrase';
    const file = await writeP12('usercred.p12', await createPkcs12({ certificate: alice.cert, chain: [ca], privateKey: alice.pkcs8, password }));
    const out = path.join(dir, 'x509up_test');
    const env = { ...process.env, X509_CERT_DIR: trustDir };
    const made = await tool('grid-proxy-init', ['-pwstdin', '-cert', file, '-key', file, '-out', out], { cwd: dir, input: `${password}\n`, env });
    assert.equal(made.code, 0, made.stderr + made.stdout);
    const info = await tool('grid-proxy-info', ['-file', out, '-identity'], { cwd: dir, env });
    assert.equal(info.code, 0, info.stderr);
    assert.equal(info.stdout.trim(), ALICE_SUBJECT);

    const refused = await tool('grid-proxy-init', ['-pwstdin', '-cert', file, '-key', file, '-out', `${out}-2`], { cwd: dir, input: 'wrong\n', env });
    assert.notEqual(refused.code, 0);
  });

  it('a proxy credential (what the element exports) loads in grid-proxy-init, chain included', async () => {
    const password = 'proxy pass phrase';
    const file = await writeP12('proxy.p12', await createPkcs12({ certificate: proxy.cert, chain: [alice.cert, ca], privateKey: proxy.pkcs8, password }));
    const env = { ...process.env, X509_CERT_DIR: trustDir };
    const out = path.join(dir, 'x509up_proxy');
    const made = await tool('grid-proxy-init', ['-pwstdin', '-cert', file, '-key', file, '-out', out], { cwd: dir, input: `${password}\n`, env });
    assert.equal(made.code, 0, made.stderr + made.stdout);
    const info = await tool('grid-proxy-info', ['-file', out, '-identity'], { cwd: dir, env });
    assert.equal(info.stdout.trim(), ALICE_SUBJECT);
  });

  it('EC keys and non-ASCII passwords', async () => {
    const password = 'pässwörd-✓';
    const file = await writeP12('ec.p12', await createPkcs12({ certificate: ec.cert, privateKey: ec.pkcs8, password }));
    const { ok, info, pem } = await opensslRead(file, password);
    assert.ok(ok, info);
    assert.deepEqual(pemCertificates(pem), [ec.cert]);
    assert.deepEqual(pkcs8Of(pem), ec.pkcs8);
  });

  it('the PKCS#12 KDF matches its definition for a multi-block output', async () => {
    // Two blocks (64 bytes) exercise the I_j update of RFC 7292 B.2 step 6C; checked against
    // the single-block derivation of the first 32 bytes.
    const salt = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const long = await pkcs12Kdf(3, bmpPassword('smeg'), salt, 3, 64);
    const short = await pkcs12Kdf(3, bmpPassword('smeg'), salt, 3, 32);
    assert.deepEqual(long.subarray(0, 32), short);
    assert.equal(long.length, 64);
    assert.deepEqual(bmpPassword('ab'), new Uint8Array([0, 0x61, 0, 0x62, 0, 0]));
  });

  it('refuses an empty password and a non-extractable key with BAD_INPUT', async () => {
    await assert.rejects(createPkcs12({ certificate: alice.cert, privateKey: alice.pkcs8, password: '' }),
      (error: unknown) => error instanceof MyProxyWebError && error.code === 'BAD_INPUT');
    const key = await crypto.subtle.importKey('pkcs8', new Uint8Array(alice.pkcs8), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
    await assert.rejects(createPkcs12({ certificate: alice.cert, privateKey: key, password: 'secret' }),
      (error: unknown) => error instanceof MyProxyWebError && error.code === 'BAD_INPUT');
  });
});
