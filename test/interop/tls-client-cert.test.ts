/**
 * TLS client certificates (RFC 8446 §4.4.2-§4.4.3, RFC 5246 §7.4.6/§7.4.8) in TLS 1.3 and 1.2,
 * against openssl s_server (-verify / -Verify, -allow_proxy_certs) and gnutls-serv
 * (--require-client-cert): RSA and ECDSA keys, non-extractable keys, an RFC 3820 proxy chain.
 * Each test checks that the server saw our certificate in its own output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { connectTls, type ClientCertificate, type TlsClientOptions, type TlsConnection } from '../../shared/tls/index.js';
import { importClientKey, makeClientPki, type ClientPki } from '../fixtures/client-pki.js';
import { makeTestPki, startGnutlsServer, startOpensslServer, type TestPki, withServer } from '../fixtures/openssl-server.js';

let pki: TestPki;
let clients: ClientPki;

before(async () => {
  pki = await makeTestPki();
  clients = await makeClientPki(pki);
});

after(async () => {
  await pki?.cleanup();
});

async function connect(port: number, options: Partial<TlsClientOptions> = {}): Promise<TlsConnection> {
  const tcp = await connectTcp({ host: '127.0.0.1', port });
  return connectTls(tcp, { serverName: 'localhost', trustRoots: [pki.caDer], handshakeTimeoutMs: 10_000, ...options });
}

async function echo(tls: TlsConnection, reversed: boolean): Promise<void> {
  const line = 'client cert';
  await tls.write(utf8Encode(`${line}\n`));
  let text = '';
  while (text.length < line.length + 1) {
    const chunk = await tls.read();
    if (chunk === null) break;
    text += utf8Decode(chunk);
  }
  assert.equal(text, `${reversed ? [...line].reverse().join('') : line}\n`);
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

type Credential = { name: string; subject: RegExp; gnutlsSubject: RegExp; make: () => Promise<ClientCertificate> };

const CREDENTIALS: Credential[] = [
  {
    name: 'RSA, extractable PKCS#1 v1.5 key (RSA-PSS copy for 1.3)',
    subject: /Peer certificate: O = Test, CN = Alice\n/,
    gnutlsSubject: /Subject: CN=Alice,O=Test/,
    make: async () => ({ chain: clients.rsa.chainDer, privateKey: await importClientKey(clients.rsa.pkcs8, 'RSASSA-PKCS1-v1_5', true) }),
  },
  {
    name: 'RSA, non-extractable PKCS#1 v1.5 key with a non-extractable RSA-PSS handle',
    subject: /Peer certificate: O = Test, CN = Alice\n/,
    gnutlsSubject: /Subject: CN=Alice,O=Test/,
    make: async () => ({
      chain: clients.rsa.chainDer,
      privateKey: await importClientKey(clients.rsa.pkcs8, 'RSASSA-PKCS1-v1_5', false),
      pssPrivateKey: await importClientKey(clients.rsa.pkcs8, 'RSA-PSS', false),
    }),
  },
  {
    name: 'ECDSA P-256, non-extractable key',
    subject: /Peer certificate: O = Test, CN = Alice ECDSA\n/,
    gnutlsSubject: /Subject: CN=Alice ECDSA,O=Test/,
    make: async () => ({ chain: clients.ecdsa.chainDer, privateKey: await importClientKey(clients.ecdsa.pkcs8, 'ECDSA-P-256', false) }),
  },
  {
    name: 'RFC 3820 proxy chain [proxy, Alice]',
    subject: /Peer certificate: O = Test, CN = Alice, CN = 424242\n/,
    gnutlsSubject: /Subject: CN=424242,CN=Alice,O=Test/,
    make: async () => ({ chain: clients.proxy.chainDer, privateKey: await importClientKey(clients.proxy.pkcs8, 'RSASSA-PKCS1-v1_5', true) }),
  },
];

for (const version of ['1.3', '1.2'] as const) {
  const protocol = `TLSv${version}`;
  describe(`openssl s_server TLS ${version}: client certificates`, () => {
    const verifyArgs = (flag: '-verify' | '-Verify') => [flag, '1', '-CAfile', pki.caFile, '-verify_return_error', '-allow_proxy_certs'];

    for (const credential of CREDENTIALS) {
      for (const flag of ['-verify', '-Verify'] as const) {
        test(`${flag === '-Verify' ? 'required' : 'requested'}: ${credential.name}`, async () => {
          await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: version, args: verifyArgs(flag) }), async (server) => {
            const tls = await connect(server.port, { clientCertificate: await credential.make() });
            try {
              assert.equal(tls.protocol, protocol);
              await echo(tls, true);
              await waitFor(() => credential.subject.test(server.output()));
            } finally {
              tls.close();
            }
          });
        });
      }
    }

    test('requested, none given: anonymous, empty Certificate', async () => {
      await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile, tls: version, args: verifyArgs('-verify') }), async (server) => {
        const tls = await connect(server.port);
        assert.equal(tls.protocol, protocol);
        await echo(tls, true);
        assert.doesNotMatch(server.output(), /Peer certificate/);
        tls.close();
      });
    });

    test('required, none given: the server refuses (its alert, or a reset)', async () => {
      await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile, tls: version, args: verifyArgs('-Verify') }), async (server) => {
        // In 1.3 our side completes before the server has read our Certificate, so the alert may come on the first read.
        const attempt = async () => {
          const tls = await connect(server.port);
          try {
            await echo(tls, true);
          } finally {
            tls.close();
          }
        };
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof MyProxyWebError, String(error));
          // The alert, unless the server's TCP reset (it closes with our data unread) overtakes it.
          assert.ok(['TLS_ALERT_RECEIVED', 'TRANSPORT_CLOSED'].includes(error.code), `${error.code}: ${error.message}`);
          return true;
        });
      });
    });
  });

  describe(`gnutls-serv TLS ${version} --require-client-cert`, () => {
    for (const credential of CREDENTIALS.filter((entry) => !entry.name.startsWith('RFC 3820'))) {
      test(credential.name, async () => {
        const priority = `NORMAL:-VERS-ALL:+VERS-TLS${version}`;
        const args = ['--require-client-cert', '--verify-client-cert', '--x509cafile', pki.caFile];
        await withServer(startGnutlsServer({ ...pki.rsa, priority, args }), async (server) => {
          const tls = await connect(server.port, { clientCertificate: await credential.make() });
          try {
            assert.equal(tls.protocol, protocol);
            await echo(tls, false);
            await waitFor(() => credential.gnutlsSubject.test(server.output()) && /certificate is trusted/.test(server.output()));
          } finally {
            tls.close();
          }
        });
      });
    }
  });
}

describe('RSA PKCS#1 v1.5 key, non-extractable, no RSA-PSS handle: TLS 1.2 only', () => {
  const credential = async (): Promise<ClientCertificate> => ({ chain: clients.rsa.chainDer, privateKey: await importClientKey(clients.rsa.pkcs8, 'RSASSA-PKCS1-v1_5', false) });

  test('against a server offering 1.3 and 1.2: TLS 1.2 with the certificate', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: 'any', args: ['-Verify', '1', '-CAfile', pki.caFile] }), async (server) => {
      const tls = await connect(server.port, { clientCertificate: await credential() });
      assert.equal(tls.protocol, 'TLSv1.2');
      await echo(tls, true);
      await waitFor(() => /Peer certificate: O = Test, CN = Alice\n/.test(server.output()));
      tls.close();
    });
  });

  test('against a TLS 1.3-only server: refused by the server (protocol_version)', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: '1.3' }), async (server) => {
      await assert.rejects(connect(server.port, { clientCertificate: await credential() }), (error: unknown) => {
        assert.ok(error instanceof MyProxyWebError);
        assert.equal(error.code, 'TLS_ALERT_RECEIVED');
        assert.match(error.message, /protocol_version/);
        return true;
      });
    });
  });
});
