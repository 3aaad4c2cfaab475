/** shared/myproxy/issued.ts: the issued certificate must carry the key we asked for. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkIssuedChain } from '../../shared/myproxy/issued.js';
import { pemCertificates, pemDecodeAll } from '../../shared/pki/pem.js';

let dir: string;
const certs: Uint8Array[] = [];
const spkis: Uint8Array[] = [];

describe('checkIssuedChain', () => {
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'myproxy-web-issued-'));
    for (const name of ['a', 'b']) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', `/O=myproxy-web test/CN=${name}`, '-days', '1'], { cwd: dir, stdio: 'ignore' });
      const pem = readFileSync(path.join(dir, `${name}.pem`), 'utf8');
      certs.push(pemCertificates(pem)[0]!);
      const publicKey = execFileSync('openssl', ['x509', '-in', `${name}.pem`, '-noout', '-pubkey'], { cwd: dir, encoding: 'utf8' });
      spkis.push(pemDecodeAll(publicKey)[0]!.der);
    }
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a certificate for our key and describes it; the rest is the chain', () => {
    const issued = checkIssuedChain([certs[0]!, certs[1]!], spkis[0]!, 'we sent');
    assert.equal(issued.subject, '/O=myproxy-web test/CN=a');
    assert.deepEqual(issued.chain, [certs[1]]);
    assert.ok(issued.notAfter > issued.notBefore);
  });

  it('refuses a certificate for another key, an empty answer, and an unparsable chain entry', () => {
    assert.throws(() => checkIssuedChain([certs[0]!], spkis[1]!, 'we sent'), { code: 'MYPROXY_PROTOCOL_ERROR', message: /public key we sent/ });
    assert.throws(() => checkIssuedChain([], spkis[0]!, 'we sent'), { code: 'MYPROXY_PROTOCOL_ERROR' });
    assert.throws(() => checkIssuedChain([certs[0]!, new Uint8Array([0x30, 0x03, 1, 2, 3])], spkis[0]!, 'we sent'), { code: 'CERT_PARSE_ERROR' });
  });
});
