/**
 * Certificate cases against a real openssl s_server (TLS 1.3): every broken server certificate
 * is refused during the handshake with its own error code, and the client sends an alert.
 * Certificates come from test/fixtures/cert-cases.ts; weak ones are served at security level 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { connectTls, type TlsClientOptions } from '../../shared/tls/index.js';
import { makeCertCases, type CertCases, type ServedCase } from '../fixtures/cert-cases.js';
import { makeTestPki, startOpensslServer, type ServerHandle, type TestPki, withServer } from '../fixtures/openssl-server.js';

let pki: TestPki;
let cases: CertCases;

before(async () => {
  pki = await makeTestPki();
  cases = await makeCertCases(pki);
});
after(async () => {
  await pki?.cleanup();
});

/** s_server refuses to load SHA-1 signed or 1024-bit certificates above security level 0. */
const WEAK_OK = ['-auth_level', '0', '-cipher', 'DEFAULT@SECLEVEL=0'];

function serve<T>(served: ServedCase, weak: boolean, body: (server: ServerHandle) => Promise<T>): Promise<T> {
  return withServer(startOpensslServer({ cert: served.cert, key: served.key, chain: served.chain, args: weak ? WEAK_OK : [] }), body);
}

async function handshake(port: number, options: Partial<TlsClientOptions> = {}) {
  const tcp = await connectTcp({ host: '127.0.0.1', port });
  return connectTls(tcp, { serverName: 'localhost', trustRoots: [pki.caDer], handshakeTimeoutMs: 10_000, ...options });
}

interface Case {
  name: string;
  served: () => ServedCase;
  code: string;
  options?: () => Partial<TlsClientOptions>;
  weak?: boolean;
  /** What s_server should report about our alert (the client refused the certificate). */
  alert?: RegExp;
}

const CASES: Case[] = [
  { name: 'expired', served: () => ({ ...pki.expired, chain: pki.caFile }), code: 'CERT_EXPIRED', alert: /certificate expired/ },
  { name: 'not yet valid', served: () => cases.notYetValid, code: 'CERT_NOT_YET_VALID', alert: /certificate expired/ },
  { name: 'wrong host', served: () => ({ ...pki.rsa, chain: pki.caFile }), code: 'CERT_NAME_MISMATCH', options: () => ({ serverName: 'myproxy.example.org' }) },
  { name: 'self-signed leaf (not a trust root)', served: () => cases.selfSigned, code: 'CERT_SELF_SIGNED', alert: /unknown ca/ },
  { name: 'untrusted root sent along', served: () => cases.rogueRoot, code: 'CERT_UNTRUSTED', alert: /unknown ca/ },
  { name: 'incomplete chain (intermediate missing)', served: () => cases.incomplete, code: 'CERT_INCOMPLETE_CHAIN', alert: /unknown ca/ },
  // TLS 1.3 servers choose a certificate whose own signature matches signature_algorithms_cert (no SHA-1 offered): SHA-1 sits on the intermediate.
  { name: 'SHA-1 signature on the intermediate', served: () => cases.sha1Intermediate, code: 'CERT_WEAK_SIGNATURE', weak: true, alert: /bad certificate/ },
  { name: 'RSA-1024 leaf', served: () => cases.rsa1024, code: 'CERT_WEAK_KEY', weak: true, alert: /bad certificate/ },
  { name: 'wrong EKU (clientAuth only)', served: () => cases.clientAuthOnly, code: 'CERT_BAD_EKU', alert: /unsupported certificate/ },
  { name: 'unknown critical extension', served: () => cases.unknownCritical, code: 'CERT_UNKNOWN_CRITICAL_EXTENSION', alert: /unsupported certificate/ },
  { name: 'path length exceeded', served: () => cases.pathLength, code: 'CERT_PATH_LENGTH' },
  { name: 'issuer without keyCertSign', served: () => cases.noKeyCertSign, code: 'CERT_BAD_KEY_USAGE' },
  { name: 'name constraints violated', served: () => cases.nameConstraints, code: 'CERT_NAME_CONSTRAINTS' },
  { name: 'CN-only certificate "host/otherhost" for localhost', served: () => ({ ...cases.cnOnlyOther, chain: pki.caFile }), code: 'CERT_NAME_MISMATCH' },
];

describe('openssl s_server serving broken certificates', () => {
  for (const c of CASES) {
    test(`${c.name} -> ${c.code}`, async () => {
      await serve(c.served(), c.weak ?? false, async (server) => {
        await assert.rejects(handshake(server.port, c.options?.()), (error: unknown) => {
          assert.ok(error instanceof MyProxyWebError, String(error));
          assert.equal(error.code, c.code, error.message);
          return true;
        });
        if (c.alert) {
          const alert = c.alert;
          await waitFor(() => alert.test(server.output()), `s_server to report ${alert}`);
        }
      });
    });
  }
});

describe('valid shapes are still accepted', () => {
  test('unordered chain with an unrelated extra certificate', async () => {
    await serve(cases.unordered, false, async (server) => {
      const tls = await handshake(server.port);
      assert.equal(tls.peerCertificates.length, 4);
      await tls.write(utf8Encode('abc\n'));
      const chunk = await tls.read();
      assert.equal(utf8Decode(chunk!), 'cba\n');
      tls.close();
    });
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
