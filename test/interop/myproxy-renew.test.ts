/**
 * Renewal (myproxy-logon -a; protocol notes §2.9) against the REAL myproxy-server: a credential
 * stored without pass phrase and renewable by anyone (PUT -n -A); Alice renews it with a proxy of
 * her own (self-authorization: allow_self_authorization true in the fixture), answering the
 * server's RESPONSE=2 with the X509_certificate_SHA256 method.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon, type LogonOptions } from '../../shared/myproxy/client.js';
import { putCredential } from '../../shared/myproxy/put.js';
import { credentialToPem } from '../../shared/pki/credential.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { aliceCredential, runNative, withServer } from '../fixtures/myproxy-ops.js';
import { gridProxyInfo, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';

describe('renewal against the real myproxy-server', () => {
  let server: MyProxyServerFixture;
  let work: string;
  before(async () => {
    server = await startMyProxyServer();
    work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-renew-'));
    const alice = await aliceCredential(server);
    await withServer(server, alice, (tls) =>
      putCredential(tls, { username: server.user.username, passphrase: '', maxDelegationSeconds: 7200, credentialName: 'renewable', policy: { renewers: '*' } }, alice, { proxyLifetimeSeconds: 5 * 3600 }),
    );
  });
  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A fresh proxy of Alice's default credential (pass phrase), to renew with. */
  const currentProxy = () => {
    const { credentialName: _unused, ...rest } = base();
    return logon({ ...rest, passphrase: server.user.passphrase, noPassphrase: false });
  };
  const base = (): LogonOptions => ({
    openTransport: () => connectTcp({ host: server.host, port: server.port }),
    serverName: server.serverName,
    trustRoots: pemCertificates(server.caCertPem),
    username: server.user.username,
    passphrase: '',
    noPassphrase: true,
    lifetimeSeconds: 3600,
    credentialName: 'renewable',
  });

  it('renews with a proxy of Alice (shared API); native myproxy-logon -a and grid-proxy-info accept the result', async () => {
    // The proxy to renew with: from Alice's default credential (pass phrase).
    const current = await currentProxy();
    const renewed = await logon({ ...base(), authorization: { chain: [current.certificate, ...current.chain], privateKey: current.privateKey } });
    assert.ok(renewed.isProxy);
    assert.ok(renewed.subject.startsWith(`${server.user.subject}/CN=`));
    assert.match(server.log(), /renewal authentication succeeded/);
    const renewedPath = path.join(work, 'renewed.pem');
    writeFileSync(renewedPath, await credentialToPem(renewed), { mode: 0o600 });
    const info = await gridProxyInfo(renewedPath, server.nativeEnv);
    assert.equal(info.code, 0, info.stderr);
    // The native client renews the same credential with our renewed proxy.
    const nativeOut = path.join(work, 'native.pem');
    const native = await runNative(server, 'myproxy-logon', ['-l', server.user.username, '-k', 'renewable', '-a', renewedPath, '-o', nativeOut], { env: { X509_USER_CERT: undefined, X509_USER_KEY: undefined, X509_USER_PROXY: renewedPath } });
    assert.equal(native.code, 0, native.stderr);
  });

  it('without -a the server asks for authorization and the logon fails clearly', async () => {
    const current = await currentProxy();
    await assert.rejects(
      logon({ ...base(), clientCertificate: { chain: [current.certificate, ...current.chain], privateKey: current.privateKey } }),
      (e: unknown) => e instanceof MyProxyWebError && e.code === 'MYPROXY_AUTH_FAILED' && /-a/.test(e.message),
    );
  });
});
