/**
 * INFO, DESTROY, CHANGE_CRED_PASSPHRASE, STORE and RETRIEVE through the shared API against the
 * REAL myproxy-server, with the native myproxy-info/-store/-retrieve/-logon as oracles; at TLS 1.3
 * and with the server capped at TLS 1.2.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatInfo } from '../../cli/commands/info.js';
import { connectTcp } from '../../cli/tcp-channel.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { changePassphrase } from '../../shared/myproxy/change-passphrase.js';
import { logon } from '../../shared/myproxy/client.js';
import { destroyCredential } from '../../shared/myproxy/destroy.js';
import { getInfo } from '../../shared/myproxy/info.js';
import { retrieveCredential } from '../../shared/myproxy/retrieve.js';
import { storeCredential, storePayload } from '../../shared/myproxy/store.js';
import { decryptPrivateKeyInfo, findPrivateKeyPem } from '../../shared/pki/encrypted-key.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { aliceCredential, runNative, withServer, type TestCredential } from '../fixtures/myproxy-ops.js';
import { startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { certificateModulus, privateKeyModulus } from '../fixtures/openssl-inspect.js';
import { runProcess } from '../fixtures/process.js';

const isCode = (code: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof MyProxyWebError, String(error));
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

for (const maxTls of ['1.3', '1.2'] as const) {
  describe(`credential management, shared API (server TLS max ${maxTls})`, () => {
    let server: MyProxyServerFixture;
    let alice: TestCredential;
    let work: string;
    before(async () => {
      server = await startMyProxyServer({ maxTls });
      alice = await aliceCredential(server);
      work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-ops-'));
    });
    after(async () => {
      await server?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });
    const username = () => server.user.username;
    const getProxy = (passphrase: string, credentialName?: string) =>
      logon({
        openTransport: () => connectTcp({ host: server.host, port: server.port }),
        serverName: server.serverName,
        trustRoots: pemCertificates(server.caCertPem),
        username: username(),
        passphrase,
        lifetimeSeconds: 3600,
        ...(credentialName ? { credentialName } : {}),
      });

    it('INFO agrees with native myproxy-info (owner, names, times)', async () => {
      const native = await runNative(server, 'myproxy-info', ['-l', username()]);
      assert.equal(native.code, 0, native.stderr);
      const info = await withServer(server, alice, (tls) => getInfo(tls, { username: username() }));
      assert.equal(info.owner, server.user.subject);
      assert.ok(info.startTime instanceof Date && info.endTime instanceof Date);
      const strip = (text: string) => text.replace(/timeleft: .*/g, 'timeleft');
      assert.equal(strip(formatInfo(username(), info)), strip(native.stdout));
      const hours = Number(/timeleft: (\d+):/.exec(native.stdout)?.[1]);
      assert.ok(Math.abs((info.endTime.getTime() - Date.now()) / 3600_000 - hours) < 1.01);
    });

    it('our STORE (PBES2 AES-256-CBC key) → native myproxy-retrieve and myproxy-logon', async () => {
      const payload = await storePayload(alice.chain, alice.pkcs8, 'store-secret1');
      await withServer(server, alice, (tls) =>
        storeCredential(tls, { username: username(), maxDelegationSeconds: 7200, credentialName: 'ours', policy: { keyRetrievers: '*/CN=Alice', description: 'stored by us' } }, payload),
      );
      const cert = path.join(work, `r-${maxTls}.pem`);
      const key = path.join(work, `r-${maxTls}.key`);
      const retrieved = await runNative(server, 'myproxy-retrieve', ['-l', username(), '-k', 'ours', '-S', '-c', cert, '-y', key], { input: 'store-secret1\n' });
      assert.equal(retrieved.code, 0, retrieved.stderr);
      assert.equal(await certificateModulus(cert), await privateKeyModulus(key));
      assert.equal(await certificateModulus(cert), await certificateModulus(server.user.certPath));
      const out = path.join(work, `l-${maxTls}.pem`);
      const native = await runNative(server, 'myproxy-logon', ['-l', username(), '-k', 'ours', '-S', '-o', out], { input: 'store-secret1\n' });
      assert.equal(native.code, 0, native.stderr);
      const info = await withServer(server, alice, (tls) => getInfo(tls, { username: username(), credentialName: 'ours' }));
      assert.equal(info.description, 'stored by us');
      assert.equal(info.keyRetrievers, '*/CN=Alice');
    });

    it('native myproxy-store → our RETRIEVE (key decrypts to Alice\'s key)', async () => {
      const encrypted = path.join(work, `enc-${maxTls}.key`);
      const made = await runProcess('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', server.user.keyPath, '-passout', 'pass:native-secret1', '-out', encrypted]);
      assert.equal(made.code, 0, made.stderr);
      const stored = await runNative(server, 'myproxy-store', ['-l', username(), '-k', 'native', '-E', 'Alice', '-c', server.user.certPath, '-y', encrypted]);
      assert.equal(stored.code, 0, stored.stderr);
      const result = await withServer(server, alice, (tls) => retrieveCredential(tls, { username: username(), passphrase: 'native-secret1', credentialName: 'native' }));
      assert.deepEqual(result.certificates, alice.chain);
      assert.ok(result.keyEncrypted);
      const key = findPrivateKeyPem(result.keyPem)!;
      assert.deepEqual(await decryptPrivateKeyInfo(key.der, 'native-secret1'), alice.pkcs8);
      await assert.rejects(
        withServer(server, alice, (tls) => retrieveCredential(tls, { username: username(), passphrase: 'wrong-secret', credentialName: 'native' })),
        isCode('MYPROXY_AUTH_FAILED'),
      );
    });

    it('CHANGE pass phrase: the new one works, the old one fails', async () => {
      const payload = await storePayload(alice.chain, alice.pkcs8, 'first-secret');
      await withServer(server, alice, (tls) => storeCredential(tls, { username: username(), maxDelegationSeconds: 3600, credentialName: 'chpw' }, payload));
      await withServer(server, alice, (tls) => changePassphrase(tls, { username: username(), oldPassphrase: 'first-secret', newPassphrase: 'second-secret', credentialName: 'chpw' }));
      const proxy = await getProxy('second-secret', 'chpw');
      assert.ok(proxy.isProxy);
      await assert.rejects(getProxy('first-secret', 'chpw'), isCode('MYPROXY_AUTH_FAILED'));
      await assert.rejects(
        withServer(server, alice, (tls) => changePassphrase(tls, { username: username(), oldPassphrase: 'first-secret', newPassphrase: 'third-secret', credentialName: 'chpw' })),
        isCode('MYPROXY_AUTH_FAILED'),
      );
    });

    it('DESTROY removes the credential for us and for native myproxy-info', async () => {
      const payload = await storePayload(alice.chain, alice.pkcs8, 'doomed-secret');
      await withServer(server, alice, (tls) => storeCredential(tls, { username: username(), maxDelegationSeconds: 3600, credentialName: 'doomed' }, payload));
      const before = await withServer(server, alice, (tls) => getInfo(tls, { username: username() }));
      assert.ok(before.additional.some((c) => c.name === 'doomed'));
      await withServer(server, alice, (tls) => destroyCredential(tls, { username: username(), credentialName: 'doomed' }));
      const afterInfo = await withServer(server, alice, (tls) => getInfo(tls, { username: username() }));
      assert.ok(!afterInfo.additional.some((c) => c.name === 'doomed'));
      const native = await runNative(server, 'myproxy-info', ['-l', username()]);
      assert.doesNotMatch(native.stdout, /name: doomed/);
      await assert.rejects(withServer(server, alice, (tls) => destroyCredential(tls, { username: username(), credentialName: 'doomed' })), isCode('MYPROXY_REJECTED', /do not exist/));
    });

    it('INFO and DESTROY without a client certificate are refused for <anonymous>', async () => {
      await assert.rejects(withServer(server, undefined, (tls) => getInfo(tls, { username: username() })), isCode('MYPROXY_REJECTED', /anonymous/));
      await assert.rejects(withServer(server, undefined, (tls) => destroyCredential(tls, { username: username() })), isCode('MYPROXY_REJECTED', /anonymous/));
    });

    it('KEY= injection is BAD_INPUT before anything is sent', async () => {
      await assert.rejects(withServer(server, alice, (tls) => destroyCredential(tls, { username: username(), credentialName: 'x USERNAME=bob' })), isCode('BAD_INPUT'));
      const log = server.log();
      assert.doesNotMatch(log, /USERNAME=bob|Credname: x USERNAME/);
    });
  });
}
