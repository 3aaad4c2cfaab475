/**
 * The TLS 1.3 client against real peers: openssl s_server (suites x groups x key types,
 * HelloRetryRequest, CertificateRequest, small records, KeyUpdate, failures) and gnutls-serv.
 * Servers run on free 127.0.0.1 ports and are stopped by PID; a server that cannot start fails the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { bytesEqual, utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { checkExactServerDn } from '../../shared/pki/identity.js';
import { HELLO_RETRY_REQUEST_RANDOM } from '../../shared/tls/constants.js';
import { connectTls, type TlsClientOptions, type TlsConnection } from '../../shared/tls/index.js';
import type { ByteChannel } from '../../shared/transport/channel.js';
import {
  makeTestPki,
  startGnutlsServer,
  startOpensslServer,
  startTcpServer,
  type KeyPair,
  type OpensslServerOptions,
  type TestPki,
  withServer,
} from '../fixtures/openssl-server.js';
import { splitRecords, type FlightRecord } from '../fixtures/mitm-proxy.js';

/** Records what crosses the transport so tests can look at the wire. */
class RecordingChannel implements ByteChannel {
  readonly received: Uint8Array[] = [];
  readonly sent: Uint8Array[] = [];
  constructor(private readonly inner: ByteChannel) {}
  async read(): Promise<Uint8Array | null> {
    const chunk = await this.inner.read();
    if (chunk) this.received.push(chunk.slice());
    return chunk;
  }
  write(data: Uint8Array): Promise<void> {
    this.sent.push(data.slice());
    return this.inner.write(data);
  }
  close(): void {
    this.inner.close();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

function contains(haystack: Uint8Array[], needle: Uint8Array): boolean {
  const all = concat(haystack);
  for (let i = 0; i + needle.length <= all.length; i++) {
    if (bytesEqual(all.subarray(i, i + needle.length), needle)) return true;
  }
  return false;
}

let pki: TestPki;

before(async () => {
  pki = await makeTestPki();
});

after(async () => {
  await pki?.cleanup();
});

async function connect(port: number, options: Partial<TlsClientOptions> = {}, record = false): Promise<{ tls: TlsConnection; wire: RecordingChannel | undefined }> {
  const tcp = await connectTcp({ host: '127.0.0.1', port });
  const wire = record ? new RecordingChannel(tcp) : undefined;
  const tls = await connectTls(wire ?? tcp, { serverName: 'localhost', trustRoots: [pki.caDer], handshakeTimeoutMs: 10_000, ...options });
  return { tls, wire };
}

/** Reads until `expected` bytes have arrived (records may split or merge). */
async function readText(tls: TlsConnection, length: number): Promise<string> {
  let text = '';
  while (text.length < length) {
    const chunk = await tls.read();
    if (chunk === null) break;
    text += utf8Decode(chunk);
  }
  return text;
}

/** s_server -rev answers each line reversed. */
async function assertReverseEcho(tls: TlsConnection, line = 'hello myproxy'): Promise<void> {
  await tls.write(utf8Encode(`${line}\n`));
  assert.equal(await readText(tls, line.length + 1), `${[...line].reverse().join('')}\n`);
}

async function expectFailure(server: OpensslServerOptions, options: Partial<TlsClientOptions>, code: string): Promise<void> {
  await withServer(startOpensslServer(server), async ({ port }) => {
    await assert.rejects(connect(port, options), (error: unknown) => {
      assert.ok(error instanceof MyProxyWebError, String(error));
      assert.equal(error.code, code, error.message);
      return true;
    });
  });
}

describe('openssl s_server: suites x groups x server keys', () => {
  const suites = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384'] as const;
  const groups = ['X25519', 'P-256', 'P-384'] as const;
  const keys: ['rsa' | 'p256' | 'p384'][] = [['rsa'], ['p256'], ['p384']];
  for (const suite of suites) {
    for (const group of groups) {
      for (const [key] of keys) {
        test(`${suite} / ${group}${group === 'P-384' ? ' (HelloRetryRequest)' : ''} / ${key} key`, async () => {
          const pair: KeyPair = pki[key];
          await withServer(startOpensslServer({ ...pair, chain: pki.caFile, args: ['-ciphersuites', suite, '-groups', group] }), async ({ port }) => {
            const { tls, wire } = await connect(port, {}, true);
            try {
              assert.equal(tls.protocol, 'TLSv1.3');
              assert.equal(tls.cipherSuite, suite);
              assert.equal(tls.peerCertificates.length, 2, 'leaf and CA as sent');
              assert.equal(contains(wire!.received, HELLO_RETRY_REQUEST_RANDOM), group === 'P-384');
              await assertReverseEcho(tls);
            } finally {
              tls.close();
            }
          });
        });
      }
    }
  }
});

describe('openssl s_server: protocol features', () => {
  test('CertificateRequest (-verify 1) is answered with an empty Certificate', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, args: ['-verify', '1'] }), async (server) => {
      const { tls } = await connect(server.port);
      await assertReverseEcho(tls);
      tls.close();
    });
  });

  test('small records (-max_send_frag 512) spanning handshake messages', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, args: ['-max_send_frag', '512'] }), async ({ port }) => {
      const { tls } = await connect(port);
      const line = 'x'.repeat(3000);
      await tls.write(utf8Encode(`${line}\n`));
      assert.equal(await readText(tls, line.length + 1), `${line}\n`);
      tls.close();
    });
  });

  test('padded records (-record_padding 512): the padding is removed (RFC 8446 §5.4)', async () => {
    await withServer(startOpensslServer({ ...pki.rsa, chain: pki.caFile, args: ['-record_padding', '512'] }), async ({ port }) => {
      const { tls, wire } = await connect(port, {}, true);
      await assertReverseEcho(tls);
      await assertReverseEcho(tls, 'x'.repeat(700));
      // Every protected record from the server carries a TLSInnerPlaintext padded to a multiple of 512 bytes (+ 16-byte tag).
      const { records } = splitRecords(concat(wire!.received));
      const isProtected = (record: FlightRecord) => record.type === 23;
      assert.ok(records.filter(isProtected).length >= 6, 'encrypted handshake records and two echoes');
      for (const record of records.filter(isProtected)) assert.equal((record.bytes.length - 5 - 16) % 512, 0, `record of ${record.bytes.length} bytes`);
      tls.close();
    });
  });

  test('a server that sends only its leaf certificate', async () => {
    await withServer(startOpensslServer({ ...pki.p256 }), async ({ port }) => {
      const { tls } = await connect(port);
      assert.equal(tls.peerCertificates.length, 1);
      await assertReverseEcho(tls);
      tls.close();
    });
  });

  test('each write is its own record: a 1-byte write is one 23-byte record', async () => {
    await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile }), async ({ port }) => {
      const { tls, wire } = await connect(port, {}, true);
      const before = wire!.sent.length;
      await tls.write(utf8Encode('0'));
      await tls.write(utf8Encode('abc\n'));
      assert.deepEqual(wire!.sent.slice(before).map((c) => c.length), [23, 26]);
      assert.equal(await readText(tls, 5), 'cba0\n');
      tls.close();
    });
  });

  test('KeyUpdate with update_requested from the server, both directions keep working', async () => {
    // Without -rev, s_server prints what it receives and sends what it reads on stdin; "K" sends a KeyUpdate(update_requested).
    await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile, rev: false }), async (server) => {
      const { tls, wire } = await connect(server.port, {}, true);
      await tls.write(utf8Encode('before-update\n'));
      await waitFor(() => server.output().includes('before-update'));
      server.input('K\n');
      // s_server reports the KeyUpdate through buffered stdio, so give it a moment instead of waiting for text.
      await new Promise((resolve) => setTimeout(resolve, 300));
      server.input('after-update\n');
      // Readable only with the updated server key.
      assert.equal(await readText(tls, 'after-update\n'.length), 'after-update\n');
      // Readable by the server only if we switched to our next key after answering.
      await tls.write(utf8Encode('client-after-update\n'));
      // Our KeyUpdate(update_not_requested) answer went out first: 5-byte message + type byte + 16-byte tag + header = 27 bytes.
      assert.deepEqual(wire!.sent.slice(-2).map((chunk) => chunk.length), [27, 5 + 20 + 1 + 16]);
      await waitFor(() => server.output().includes('client-after-update'));
      tls.close();
    });
  });

  test('end of stream without close_notify reads as null', async () => {
    await withServer(startOpensslServer({ ...pki.p256, chain: pki.caFile }), async (server) => {
      const { tls } = await connect(server.port);
      await assertReverseEcho(tls);
      await server.stop(); // SIGTERM: s_server dies without close_notify; the kernel closes TCP.
      assert.equal(await tls.read(), null);
      assert.equal(await tls.read(), null);
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

describe('certificate and identity failures', () => {
  test('untrusted CA -> CERT_UNTRUSTED', () => expectFailure({ ...pki.rsa, chain: pki.caFile }, { trustRoots: [pki.otherCaDer] }, 'CERT_UNTRUSTED'));
  test('wrong host name -> CERT_NAME_MISMATCH', () => expectFailure({ ...pki.rsa, chain: pki.caFile }, { serverName: 'myproxy.example.org' }, 'CERT_NAME_MISMATCH'));
  test('IP address against a DNS-only certificate -> CERT_NAME_MISMATCH', () => expectFailure({ ...pki.rsa }, { serverName: '127.0.0.1' }, 'CERT_NAME_MISMATCH'));
  test('expired certificate -> CERT_EXPIRED', () => expectFailure({ ...pki.expired, chain: pki.caFile }, {}, 'CERT_EXPIRED'));
  test('not yet valid (clock in the past) -> CERT_NOT_YET_VALID', () =>
    expectFailure({ ...pki.rsa, chain: pki.caFile }, { now: () => new Date('2001-01-01T00:00:00Z') }, 'CERT_NOT_YET_VALID'));
  test('a wrong MYPROXY_SERVER_DN -> CERT_NAME_MISMATCH', () =>
    expectFailure({ ...pki.rsa }, { checkIdentity: checkExactServerDn('/O=Test/CN=other') }, 'CERT_NAME_MISMATCH'));

  test('CN-only certificate "host/localhost" is accepted for localhost', async () => {
    await withServer(startOpensslServer({ ...pki.cnOnly, chain: pki.caFile }), async ({ port }) => {
      const { tls } = await connect(port);
      await assertReverseEcho(tls);
      tls.close();
    });
  });

  test('MYPROXY_SERVER_DN equal to the subject accepts an IP address host', async () => {
    await withServer(startOpensslServer({ ...pki.rsa }), async ({ port }) => {
      const { tls } = await connect(port, { serverName: '127.0.0.1', checkIdentity: checkExactServerDn('/O=Test/CN=localhost') });
      await assertReverseEcho(tls);
      tls.close();
    });
  });
});

describe('broken peers', () => {
  test('a server that closes mid-handshake -> error, no hang', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => {
        // Half a ServerHello record header, then FIN.
        socket.end(Buffer.from([0x16, 0x03, 0x03, 0x00]));
      });
    });
    try {
      const started = Date.now();
      await assert.rejects(connect(server.port, { handshakeTimeoutMs: 5000 }), { code: 'TRANSPORT_CLOSED' });
      assert.ok(Date.now() - started < 2000);
    } finally {
      await server.stop();
    }
  });

  test('a server that answers with a fatal alert -> TLS_ALERT_RECEIVED naming it', async () => {
    const server = await startTcpServer((socket) => {
      socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])));
    });
    try {
      await assert.rejects(connect(server.port), (error: MyProxyWebError) => error.code === 'TLS_ALERT_RECEIVED' && /handshake_failure \(40\)/.test(error.message));
    } finally {
      await server.stop();
    }
  });

  test('a server that accepts and never answers -> TLS_HANDSHAKE_TIMEOUT', async () => {
    const server = await startTcpServer(() => undefined);
    try {
      const started = Date.now();
      await assert.rejects(connect(server.port, { handshakeTimeoutMs: 300 }), { code: 'TLS_HANDSHAKE_TIMEOUT' });
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 2000, `elapsed ${elapsed} ms`);
    } finally {
      await server.stop();
    }
  });
});

describe('gnutls-serv', () => {
  for (const key of ['rsa', 'p256'] as const) {
    test(`echo over TLS 1.3 with a ${key} key`, async () => {
      await withServer(startGnutlsServer(pki[key]), async ({ port }) => {
        const { tls } = await connect(port);
        assert.equal(tls.protocol, 'TLSv1.3');
        await tls.write(utf8Encode('hello gnutls\n'));
        assert.equal(await readText(tls, 'hello gnutls\n'.length), 'hello gnutls\n');
        tls.close();
      });
    });
  }
});
