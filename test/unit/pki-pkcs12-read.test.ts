/**
 * shared/pki/pkcs12-read.ts: the integrity MAC (RFC 7292 §4) is verified before anything is
 * decrypted, for files made by us and by the openssl command with SHA-256 and SHA-1 MACs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MyProxyWebError } from '../../shared/errors.js';
import { pemCertificates, pemDecodeAll } from '../../shared/pki/pem.js';
import { createPkcs12 } from '../../shared/pki/pkcs12.js';
import { readPkcs12 } from '../../shared/pki/pkcs12-read.js';

let dir: string;
let certificate: Uint8Array;
let privateKeyInfo: Uint8Array;

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const isIntegrityFailure = (error: unknown): boolean =>
  error instanceof MyProxyWebError && error.code === 'BAD_INPUT' && /integrity check failed/.test(error.message);

describe('readPkcs12 verifies the MAC', () => {
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'myproxy-web-p12-read-'));
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-subj', '/O=myproxy-web test/CN=P12 Reader', '-days', '2']);
    certificate = pemCertificates(readFileSync(path.join(dir, 'cert.pem'), 'utf8'))[0]!;
    privateKeyInfo = pemDecodeAll(readFileSync(path.join(dir, 'key.pem'), 'utf8')).find((b) => b.label === 'PRIVATE KEY')!.der;
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads our own file with the right password, refuses a wrong one by the MAC', async () => {
    const file = await createPkcs12({ certificate, privateKey: privateKeyInfo, password: 'right-password' });
    const contents = await readPkcs12(file, 'right-password');
    assert.deepEqual(contents.certificates[0], certificate);
    assert.deepEqual(contents.privateKeyInfo, privateKeyInfo);
    await assert.rejects(readPkcs12(file, 'wrong-password'), isIntegrityFailure);
  });

  it('refuses a file altered anywhere in the authenticated content', async () => {
    const file = await createPkcs12({ certificate, privateKey: privateKeyInfo, password: 'right-password' });
    // Flip one byte in the middle (inside the AuthenticatedSafe, which spans most of the file).
    const altered = file.slice();
    altered[Math.floor(altered.length / 2)]! ^= 0x01;
    await assert.rejects(readPkcs12(altered, 'right-password'), (error: unknown) => error instanceof MyProxyWebError && error.code === 'BAD_INPUT');
  });

  for (const macalg of ['sha256', 'sha1']) {
    it(`reads an openssl file with a ${macalg} MAC and refuses a wrong password by the MAC`, async () => {
      const name = `openssl-${macalg}.p12`;
      openssl(['pkcs12', '-export', '-in', 'cert.pem', '-inkey', 'key.pem', '-out', name, '-passout', 'pass:p12-secret',
        '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', macalg]);
      const file = new Uint8Array(readFileSync(path.join(dir, name)));
      const contents = await readPkcs12(file, 'p12-secret');
      assert.deepEqual(contents.certificates[0], certificate);
      await assert.rejects(readPkcs12(file, 'not-the-secret'), isIntegrityFailure);
    });
  }
});
