/**
 * The TLS 1.2 client (RFC 5246, RFC 7627, RFC 8422, RFC 5289) against real peers: openssl s_server
 * and gnutls-serv, each 1.2 suite x group x compatible server key; record-layer behaviour;
 * refusals (no extended master secret, downgrade sentinel, renegotiation).
 * Servers run on free 127.0.0.1 ports and are stopped by PID; a server that cannot start fails the test.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { bytesEqual, utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { connectTls, type TlsClientOptions, type TlsConnection } from '../../shared/tls/index.js';
import type { ByteChannel } from '../../shared/transport/channel.js';
import { makeClientPki, type ClientPki } from '../fixtures/client-pki.js';
import { makeTestPki, startGnutlsServer, startOpensslServer, startTcpServer, type KeyPair, type TestPki, withServer } from '../fixtures/openssl-server.js';

let pki: TestPki;
let clients: ClientPki;

before(async () => {
  pki = await makeTestPki();
  clients = await makeClientPki(pki);
});

after(async () => {
  await pki?.cleanup();
});

/** Records what we send so tests can look at record sizes. */
class SentRecorder implements ByteChannel {
  readonly sent: Uint8Array[] = [];
  constructor(private readonly inner: ByteChannel) {}
  read(): Promise<Uint8Array | null> {
    return this.inner.read();
  }
  write(data: Uint8Array): Promise<void> {
    this.sent.push(data.slice());
    return this.inner.write(data);
  }
  close(): void {
    this.inner.close();
  }
}

async function connect(port: number, options: Partial<TlsClientOptions> = {}): Promise<{ tls: TlsConnection; wire: SentRecorder }> {
  const wire = new SentRecorder(await connectTcp({ host: '127.0.0.1', port }));
  const tls = await connectTls(wire, { serverName: 'localhost', trustRoots: [pki.caDer], handshakeTimeoutMs: 10_000, ...options });
  return { tls, wire };
}

async function readText(tls: TlsConnection, length: number): Promise<string> {
  let text = '';
  while (text.length < length) {
    const chunk = await tls.read();
    if (chunk === null) break;
    text += utf8Decode(chunk);
  }
  return text;
}

async function assertEcho(tls: TlsConnection, reversed: boolean, line = 'hello tls 1.2'): Promise<void> {
  await tls.write(utf8Encode(`${line}\n`));
  const expected = reversed ? [...line].reverse().join('') : line;
  assert.equal(await readText(tls, line.length + 1), `${expected}\n`);
}

function serverKey(name: 'rsa' | 'rsa4096' | 'p256' | 'p384'): KeyPair {
  return name === 'rsa4096' ? clients.rsa4096 : pki[name];
}

const SUITES = [
  { iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-RSA-AES128-GCM-SHA256', gnutls: '+AES-128-GCM:-KX-ALL:+ECDHE-RSA', keys: ['rsa', 'rsa4096'] },
  { iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-RSA-AES256-GCM-SHA384', gnutls: '+AES-256-GCM:-KX-ALL:+ECDHE-RSA', keys: ['rsa', 'rsa4096'] },
  { iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', gnutls: '+AES-128-GCM:-KX-ALL:+ECDHE-ECDSA', keys: ['p256', 'p384'] },
  { iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', gnutls: '+AES-256-GCM:-KX-ALL:+ECDHE-ECDSA', keys: ['p256', 'p384'] },
] as const;
const GROUPS = [
  { name: 'X25519', gnutls: 'GROUP-X25519' },
  { name: 'P-256', gnutls: 'GROUP-SECP256R1' },
  { name: 'P-384', gnutls: 'GROUP-SECP384R1' },
] as const;

describe('openssl s_server -tls1_2: suites x groups x server keys', () => {
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      for (const key of suite.keys) {
        test(`${suite.iana} / ${group.name} / ${key}`, async () => {
          const options = { ...serverKey(key), chain: pki.caFile, tls: '1.2' as const, args: ['-cipher', suite.openssl, '-groups', group.name] };
          await withServer(startOpensslServer(options), async ({ port }) => {
            const { tls } = await connect(port);
            try {
              assert.equal(tls.protocol, 'TLSv1.2');
              assert.equal(tls.cipherSuite, suite.iana);
              assert.equal(tls.peerCertificates.length, 2);
              await assertEcho(tls, true);
            } finally {
              tls.close();
            }
          });
        });
      }
    }
  }
});

describe('gnutls-serv TLS 1.2: suites x groups x server keys', () => {
  for (const suite of SUITES) {
    for (const group of GROUPS) {
      for (const key of suite.keys) {
        test(`${suite.iana} / ${group.name} / ${key}`, async () => {
          const priority = `NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:${suite.gnutls}:-GROUP-ALL:+${group.gnutls}`;
          await withServer(startGnutlsServer({ ...serverKey(key), priority }), async (server) => {
            const { tls } = await connect(server.port);
            try {
              assert.equal(tls.protocol, 'TLSv1.2');
              assert.equal(tls.cipherSuite, suite.iana);
              await assertEcho(tls, false);
              assert.match(server.output(), /extended master secret/);
            } finally {
              tls.close();
            }
          });
        });
      }
    }
  }
});

describe('TLS 1.2 record layer and connection behaviour', () => {
  test('each write is its own record: 1 byte -> 5 + 8 (explicit nonce) + 1 + 16 (tag) = 30 bytes', async () => {
    await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile, tls: '1.2' }), async ({ port }) => {
      const { tls, wire } = await connect(port);
      const before = wire.sent.length;
      await tls.write(utf8Encode('0'));
      await tls.write(utf8Encode('abc\n'));
      assert.deepEqual(wire.sent.slice(before).map((chunk) => chunk.length), [30, 33]);
      assert.equal(await readText(tls, 5), 'cba0\n');
      tls.close();
    });
  });

  test('small server records (-max_send_frag 512) and a 40 KiB write split into 2^14 records', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: '1.2', args: ['-max_send_frag', '512'] }), async ({ port }) => {
      const { tls, wire } = await connect(port);
      const before = wire.sent.length;
      await tls.write(new Uint8Array(40 * 1024).fill(0x79));
      assert.equal(wire.sent[before]!.length, 40 * 1024 + 3 * (5 + 8 + 16), 'three records, each with its own nonce and tag');
      await tls.write(utf8Encode('\n'));
      const line = 'x'.repeat(3000);
      await tls.write(utf8Encode(`${line}\n`));
      // s_server -rev answers in chunks of its read buffer: just wait for our 3000-byte line at the end.
      let text = '';
      while (!text.endsWith(`${line}\n`)) {
        const chunk = await tls.read();
        assert.ok(chunk, 'stream ended early');
        text += utf8Decode(chunk);
      }
      tls.close();
    });
  });

  test('TLS 1.3 is preferred when the server offers both', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: 'any' }), async ({ port }) => {
      const { tls } = await connect(port);
      assert.equal(tls.protocol, 'TLSv1.3');
      await assertEcho(tls, true);
      tls.close();
    });
  });

  test('maxVersion TLSv1.2 against a 1.3-capable server: 1.2, and its DOWNGRD01 sentinel is accepted', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: 'any' }), async ({ port }) => {
      const { tls } = await connect(port, { maxVersion: 'TLSv1.2' });
      assert.equal(tls.protocol, 'TLSv1.2');
      await assertEcho(tls, true);
      tls.close();
    });
  });

  test('end of stream without close_notify reads as null', async () => {
    await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile, tls: '1.2' }), async (server) => {
      const { tls } = await connect(server.port);
      await assertEcho(tls, true);
      await server.stop();
      assert.equal(await tls.read(), null);
      tls.close();
    });
  });

  test('renegotiation (s_server "R" -> HelloRequest) is refused with a no_renegotiation warning', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: '1.2', rev: false }), async (server) => {
      const { tls } = await connect(server.port);
      await tls.write(utf8Encode('before\n'));
      await waitFor(() => server.output().includes('before'));
      server.input('R\n');
      // OpenSSL treats a no_renegotiation answer as fatal and sends handshake_failure.
      await assert.rejects(readText(tls, 1_000_000), (error: unknown) => error instanceof MyProxyWebError && error.code === 'TLS_ALERT_RECEIVED');
      await waitFor(() => /no renegotiation/.test(server.output()));
      tls.close();
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A TCP forwarder that rewrites bytes in the first client chunk (the ClientHello). */
async function startRewritingProxy(targetPort: number, from: Uint8Array, to: Uint8Array): Promise<{ port: number; stop(): Promise<void> }> {
  return startTcpServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    upstream.on('error', () => client.destroy());
    let first = true;
    client.on('data', (chunk: Buffer) => {
      if (first) {
        first = false;
        const bytes = new Uint8Array(chunk);
        for (let i = 0; i + from.length <= bytes.length; i++) {
          if (bytesEqual(bytes.subarray(i, i + from.length), from)) bytes.set(to, i);
        }
        upstream.write(bytes);
      } else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
}

describe('TLS 1.2 refusals', () => {
  test('a server without extended master secret (gnutls %NO_SESSION_HASH) -> TLS_HANDSHAKE_FAILURE', async () => {
    await withServer(startGnutlsServer({ ...pki.rsa, priority: 'NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH' }), async ({ port }) => {
      await assert.rejects(connect(port), (error: unknown) => {
        assert.ok(error instanceof MyProxyWebError);
        assert.equal(error.code, 'TLS_HANDSHAKE_FAILURE');
        assert.match(error.message, /extended master secret/);
        return true;
      });
    });
  });

  test('downgrade: supported_versions stripped to 1.2 in flight -> DOWNGRD01 sentinel -> TLS_UNSUPPORTED', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: 'any' }), async ({ port }) => {
      // supported_versions (0x002b) with [0x0304, 0x0303] becomes [0x0303, 0x0303]: same length, 1.3 gone.
      const proxy = await startRewritingProxy(port, new Uint8Array([0, 0x2b, 0, 5, 4, 3, 4, 3, 3]), new Uint8Array([0, 0x2b, 0, 5, 4, 3, 3, 3, 3]));
      try {
        await assert.rejects(connect(proxy.port), (error: unknown) => {
          assert.ok(error instanceof MyProxyWebError);
          assert.equal(error.code, 'TLS_UNSUPPORTED');
          assert.match(error.message, /downgrade sentinel/);
          return true;
        });
      } finally {
        await proxy.stop();
      }
    });
  });

  test('a TLS 1.1-only server -> refused (its protocol_version alert, or TLS_UNSUPPORTED)', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, tls: 'any', args: ['-tls1_1', '-cipher', 'ALL:@SECLEVEL=0'] }), async ({ port }) => {
      await assert.rejects(connect(port), (error: unknown) => error instanceof MyProxyWebError && ['TLS_ALERT_RECEIVED', 'TLS_UNSUPPORTED'].includes(error.code));
    });
  });
});
