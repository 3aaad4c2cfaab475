/**
 * TLS 1.2 and client certificates against the REAL myproxy-server (issue 3, part A):
 * logon at TLS 1.3 and at TLS 1.2 (server capped with GLOBUS_GSSAPI_MAX_TLS_PROTOCOL), then INFO
 * with the proxy just obtained as TLS client certificate: the server must see Alice, not <anonymous>.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon, type LogonOptions } from '../../shared/myproxy/client.js';
import { getInfo } from '../../shared/myproxy/info.js';
import type { Credential } from '../../shared/pki/credential.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { connectTls, type TlsClientOptions, type TlsConnection } from '../../shared/tls/index.js';
import { startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';

type Info = { protocol: TlsConnection['protocol']; cipherSuite: TlsConnection['cipherSuite'] };

async function logonTo(server: MyProxyServerFixture, extra: Partial<LogonOptions> = {}): Promise<{ credential: Credential; tls: Info }> {
  let tls: Info | undefined;
  const credential = await logon({
    openTransport: () => connectTcp({ host: server.host, port: server.port }),
    serverName: server.serverName,
    trustRoots: pemCertificates(server.caCertPem),
    username: server.user.username,
    passphrase: server.user.passphrase,
    lifetimeSeconds: 3600,
    onTlsConnected: (info) => (tls = info),
    ...extra,
  });
  assert.ok(tls, 'onTlsConnected was called');
  return { credential, tls };
}

async function infoWith(server: MyProxyServerFixture, options: Partial<TlsClientOptions>): Promise<{ owner: string | undefined; protocol: string }> {
  const tcp = await connectTcp({ host: server.host, port: server.port });
  const tls = await connectTls(tcp, { serverName: server.serverName, trustRoots: pemCertificates(server.caCertPem), handshakeTimeoutMs: 10_000, ...options });
  try {
    const info = await getInfo(tls, { username: server.user.username }, { responseTimeoutMs: 20_000 });
    assert.ok(info.startTime && info.endTime && info.endTime > info.startTime, 'CRED_START_TIME / CRED_END_TIME parsed');
    return { owner: info.owner, protocol: tls.protocol };
  } finally {
    tls.close();
  }
}

function proxyAsClientCertificate(credential: Credential): TlsClientOptions['clientCertificate'] {
  return { chain: [credential.certificate, ...credential.chain], privateKey: credential.privateKey };
}

for (const maxTls of ['1.3', '1.2'] as const) {
  describe(`real myproxy-server, TLS max ${maxTls}`, () => {
    let server: MyProxyServerFixture;
    before(async () => {
      server = await startMyProxyServer({ maxTls });
    });
    after(async () => {
      await server?.stop();
    });
    const expected = maxTls === '1.3' ? 'TLSv1.3' : 'TLSv1.2';

    it(`logon negotiates ${expected}`, async () => {
      const { credential, tls } = await logonTo(server);
      assert.equal(tls.protocol, expected);
      assert.match(tls.cipherSuite, expected === 'TLSv1.3' ? /^TLS_AES_/ : /^TLS_ECDHE_RSA_WITH_AES_(128|256)_GCM_SHA(256|384)$/);
      assert.ok(credential.isProxy);
    });

    it('INFO without a client certificate is answered for <anonymous>', async () => {
      await assert.rejects(infoWith(server, {}), (error: unknown) => {
        assert.ok(error instanceof MyProxyWebError);
        assert.equal(error.code, 'MYPROXY_REJECTED');
        assert.match(error.message, /<anonymous>/);
        return true;
      });
    });

    it(`INFO with the logon proxy as client certificate sees Alice (${expected})`, async () => {
      const { credential } = await logonTo(server);
      const result = await infoWith(server, { clientCertificate: proxyAsClientCertificate(credential) });
      assert.equal(result.protocol, expected);
      assert.equal(result.owner, server.user.subject);
    });

    it('INFO with a non-extractable proxy key: TLS 1.2 (no RSA-PSS handle), still Alice', async () => {
      const { credential } = await logonTo(server, { extractableKey: false });
      assert.equal(credential.privateKey.extractable, false);
      const result = await infoWith(server, { clientCertificate: proxyAsClientCertificate(credential) });
      assert.equal(result.protocol, 'TLSv1.2');
      assert.equal(result.owner, server.user.subject);
    });

    it('TLS 1.2 forced by the client (maxVersion) works for logon and INFO', async () => {
      const { credential, tls } = await logonTo(server);
      assert.equal(tls.protocol, expected);
      const result = await infoWith(server, { maxVersion: 'TLSv1.2', clientCertificate: proxyAsClientCertificate(credential) });
      assert.equal(result.protocol, 'TLSv1.2');
      assert.equal(result.owner, server.user.subject);
    });
  });
}
