/**
 * PUT (myproxy-init) through the shared API against the REAL myproxy-server: a proxy signed by
 * Alice's own key, from her PEM certificate and key and from a PKCS#12 file made by OpenSSL 3
 * (AES-256-CBC bags, SHA-256 MAC); native myproxy-logon then retrieves it and grid-proxy-info accepts it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MyProxyWebError } from '../../shared/errors.js';
import { getInfo } from '../../shared/myproxy/info.js';
import { putCredential } from '../../shared/myproxy/put.js';
import { describeCertificate } from '../../shared/pki/credential.js';
import { importRsaSigningKey } from '../../shared/pki/encrypted-key.js';
import { readPkcs12 } from '../../shared/pki/pkcs12-read.js';
import { aliceCredential, runNative, withServer, type TestCredential } from '../fixtures/myproxy-ops.js';
import { gridProxyInfo, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { runProcess } from '../fixtures/process.js';

describe('PUT against the real myproxy-server', () => {
  let server: MyProxyServerFixture;
  let alice: TestCredential;
  let work: string;
  before(async () => {
    server = await startMyProxyServer();
    alice = await aliceCredential(server);
    work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-put-'));
  });
  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function checkWithNative(name: string, passphrase: string): Promise<void> {
    const out = path.join(work, `${name}.pem`);
    const native = await runNative(server, 'myproxy-logon', ['-l', server.user.username, '-k', name, '-S', '-t', '1', '-o', out], { input: `${passphrase}\n`, env: { X509_USER_CERT: undefined, X509_USER_KEY: undefined } });
    assert.equal(native.code, 0, `${native.stdout}${native.stderr}\n${server.log().slice(-3000)}`);
    const info = await gridProxyInfo(out, server.nativeEnv);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`identity : ${server.user.subject}`));
    assert.match(info.stdout, /RFC 3820 compliant impersonation proxy/);
  }

  it('from certificate and key: stored proxy is RFC 3820, lifetime -c, policies recorded; native logon gets it', async () => {
    const { proxy } = await withServer(server, alice, (tls) =>
      putCredential(tls, { username: server.user.username, passphrase: 'put-secret1', maxDelegationSeconds: 7200, credentialName: 'put-pem', policy: { description: 'from pem' } }, alice, { proxyLifetimeSeconds: 5 * 3600 }),
    );
    const described = describeCertificate(proxy);
    assert.ok(described.isProxy);
    assert.match(described.subject, new RegExp(`^${server.user.subject}/CN=\\d+$`));
    assert.ok(Math.abs(described.notAfter.getTime() - Date.now() - 5 * 3600_000) < 60_000);
    const info = await withServer(server, alice, (tls) => getInfo(tls, { username: server.user.username, credentialName: 'put-pem' }));
    assert.equal(info.description, 'from pem');
    assert.equal(info.owner, server.user.subject);
    await checkWithNative('put-pem', 'put-secret1');
  });

  it('from a PKCS#12 file (openssl pkcs12 -export, AES-256-CBC, -macalg sha256)', async () => {
    const p12 = path.join(work, 'alice.p12');
    const made = await runProcess('openssl', ['pkcs12', '-export', '-in', server.user.certPath, '-inkey', server.user.keyPath, '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-passout', 'pass:p12-secret', '-out', p12]);
    assert.equal(made.code, 0, made.stderr);
    const contents = await readPkcs12(new Uint8Array(readFileSync(p12)), 'p12-secret');
    assert.deepEqual(contents.certificates, alice.chain);
    assert.deepEqual(contents.privateKeyInfo, alice.pkcs8);
    await assert.rejects(readPkcs12(new Uint8Array(readFileSync(p12)), 'wrong'), (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT');
    const credential = { chain: contents.certificates, privateKey: await importRsaSigningKey(contents.privateKeyInfo, true) };
    await withServer(server, credential, (tls) =>
      putCredential(tls, { username: server.user.username, passphrase: 'put-secret2', maxDelegationSeconds: 3600, credentialName: 'put-p12' }, credential, { proxyLifetimeSeconds: 3600 }),
    );
    await checkWithNative('put-p12', 'put-secret2');
  });

  it('a short pass phrase is refused before connecting', async () => {
    const count = () => (server.log().match(/Received PUT request/g) ?? []).length;
    const before = count();
    let connected = false;
    await assert.rejects(
      withServer(server, alice, async (tls) => {
        connected = true;
        return putCredential(tls, { username: server.user.username, passphrase: 'short', maxDelegationSeconds: 3600 }, alice, { proxyLifetimeSeconds: 3600 });
      }),
      (e: unknown) => e instanceof MyProxyWebError && e.code === 'BAD_INPUT',
    );
    assert.ok(connected);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(count(), before);
  });
});
