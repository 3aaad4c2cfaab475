/**
 * The MyProxy GET exchange (shared/myproxy) against the REAL Debian myproxy-server fixture.
 * TLS here is Node's own (a small test adapter), so these tests check our MyProxy code on its
 * own; logon() end-to-end over our TLS client and TCP is tested at the end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon, type LogonStep } from '../../shared/myproxy/client.js';
import { getDelegation } from '../../shared/myproxy/logon.js';
import { createProxyCsr } from '../../shared/pki/csr.js';
import { credentialToPem, describeCertificate, type Credential } from '../../shared/pki/credential.js';
import { exportSpki, generateRsaKeyPair, samePublicKey } from '../../shared/pki/keys.js';
import { pemCertificates, pemDecodeAll } from '../../shared/pki/pem.js';
import type { ByteChannel } from '../../shared/transport/channel.js';
import { gridProxyInfo, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { certificateModulus, privateKeyModulus } from '../fixtures/openssl-inspect.js';
import { runProcess } from '../fixtures/process.js';

/** Node's TLS socket as a ByteChannel: every write() is its own TLS record (never corked). */
function nodeTlsChannel(fx: MyProxyServerFixture, options: { maxVersion?: tls.SecureVersion } = {}): Promise<ByteChannel & { protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: fx.host,
      port: fx.port,
      ca: fx.caCertPem,
      servername: fx.serverName,
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1.2',
      ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
    });
    const chunks: Uint8Array[] = [];
    let ended = false;
    let failure: Error | undefined;
    let waiter: ((value: Uint8Array | null) => void) | undefined;
    let failWaiter: ((error: Error) => void) | undefined;
    const wake = (): void => {
      if (!waiter) return;
      const resolveRead = waiter;
      const rejectRead = failWaiter!;
      waiter = undefined;
      failWaiter = undefined;
      if (chunks.length) resolveRead(chunks.shift()!);
      else if (failure) rejectRead(failure);
      else if (ended) resolveRead(null);
      else {
        waiter = resolveRead;
        failWaiter = rejectRead;
      }
    };
    socket.on('data', (data: Buffer) => {
      chunks.push(new Uint8Array(data));
      wake();
    });
    socket.on('end', () => {
      ended = true;
      wake();
    });
    socket.on('close', () => {
      ended = true;
      wake();
    });
    socket.on('error', (error) => {
      failure ??= error;
      reject(error);
      wake();
    });
    socket.once('secureConnect', () => {
      resolve({
        get protocol() {
          return socket.getProtocol();
        },
        write: (data) =>
          new Promise<void>((done, fail) => {
            socket.write(data, (error) => (error ? fail(error) : done()));
          }),
        read: () => {
          if (chunks.length) return Promise.resolve(chunks.shift()!);
          if (failure) return Promise.reject(failure);
          if (ended) return Promise.resolve(null);
          return new Promise((done, fail) => {
            waiter = done;
            failWaiter = fail;
          });
        },
        close: () => {
          socket.destroy();
        },
      });
    });
  });
}

async function errorOf(promise: Promise<unknown>): Promise<MyProxyWebError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MyProxyWebError, `not a MyProxyWebError: ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

interface Retrieved {
  keyPair: CryptoKeyPair;
  certificates: Uint8Array[];
  requestedAt: number;
}

async function retrieve(fx: MyProxyServerFixture, lifetimeSeconds: number, maxVersion?: tls.SecureVersion): Promise<Retrieved & { protocol: string | null }> {
  const keyPair = await generateRsaKeyPair({ extractable: true });
  const csr = await createProxyCsr(keyPair);
  const channel = await nodeTlsChannel(fx, maxVersion ? { maxVersion } : {});
  try {
    const requestedAt = Date.now();
    const certificates = await getDelegation(
      channel,
      { username: fx.user.username, passphrase: fx.user.passphrase, lifetimeSeconds },
      csr,
      { responseTimeoutMs: 30_000 },
    );
    return { keyPair, certificates, requestedAt, protocol: channel.protocol };
  } finally {
    channel.close();
  }
}

function toCredential(keyPair: CryptoKeyPair, certificates: Uint8Array[]): Credential {
  const [certificate, ...chain] = certificates;
  const description = describeCertificate(certificate!);
  return {
    certificate: certificate!,
    chain,
    privateKey: keyPair.privateKey,
    subject: description.subject,
    issuer: description.issuer,
    notBefore: description.notBefore,
    notAfter: description.notAfter,
    isProxy: description.isProxy,
  };
}

describe('MyProxy GET against the real myproxy-server', { timeout: 180_000 }, () => {
  let fx: MyProxyServerFixture;
  let tmp: string;

  before(async () => {
    fx = await startMyProxyServer();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'myproxy-protocol-'));
  });

  after(async () => {
    await fx?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("retrieves Alice's credential for our CSR over TLS 1.3; grid tools and openssl accept the PEM", async () => {
    const lifetimeSeconds = 2 * 3600;
    const { keyPair, certificates, requestedAt, protocol } = await retrieve(fx, lifetimeSeconds);
    assert.equal(protocol, 'TLSv1.3');
    // Repository mode: [new proxy, stored proxy, Alice's EEC] (protocol notes §4.1).
    assert.ok(certificates.length >= 2, `chain of ${certificates.length}`);
    const credential = toCredential(keyPair, certificates);

    // The issued certificate: an RFC 3820 proxy of Alice for our key, with the lifetime asked for.
    assert.ok(samePublicKey(describeCertificate(credential.certificate).publicKeySpki, await exportSpki(keyPair.publicKey)));
    assert.equal(credential.isProxy, true);
    assert.match(credential.subject, new RegExp(`^${fx.user.subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/CN=\\d+)+$`));
    assert.equal(credential.issuer, describeCertificate(credential.chain[0]!).subject);
    assert.equal(describeCertificate(credential.chain.at(-1)!).subject, fx.user.subject);
    const expectedNotAfter = requestedAt + lifetimeSeconds * 1000;
    assert.ok(Math.abs(credential.notAfter.getTime() - expectedNotAfter) < 60_000, `notAfter ${credential.notAfter.toISOString()}`);
    assert.ok(credential.notBefore.getTime() <= Date.now());

    // The file, as myproxy-logon writes it.
    const pem = await credentialToPem(credential);
    const labels = pemDecodeAll(pem).map((block) => block.label);
    assert.deepEqual(labels, ['CERTIFICATE', 'RSA PRIVATE KEY', ...credential.chain.map(() => 'CERTIFICATE')]);
    const file = path.join(tmp, 'x509up_tls13');
    writeFileSync(file, pem, { mode: 0o600 });
    assert.equal(statSync(file).mode & 0o777, 0o600);

    assert.equal(await certificateModulus(file), await privateKeyModulus(file));
    const caFile = fx.caCertPath;
    const verify = await runProcess('openssl', ['verify', '-allow_proxy_certs', '-CAfile', caFile, '-untrusted', file, file]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);

    const info = await gridProxyInfo(file, { ...fx.nativeEnv });
    assert.equal(info.code, 0, info.stdout + info.stderr);
    assert.match(info.stdout, /type\s*:\s*RFC 3820 compliant impersonation proxy/);
    assert.match(info.stdout, new RegExp(`identity\\s*:\\s*${fx.user.subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`));
    const strength = await gridProxyInfo(file, { ...fx.nativeEnv }, ['-strength']);
    assert.equal(strength.stdout.trim(), '2048');

    // The server logged the delegation for our request.
    assert.match(fx.log(), /Delegating credentials for \/O=myproxy-web test\/CN=Alice lifetime=7200/);
  });

  it('works over TLS 1.2 as well (no stray NUL record)', async () => {
    const { keyPair, certificates, protocol } = await retrieve(fx, 3600, 'TLSv1.2');
    assert.equal(protocol, 'TLSv1.2');
    const credential = toCredential(keyPair, certificates);
    assert.ok(Math.abs(credential.notAfter.getTime() - (Date.now() + 3600_000)) < 60_000);
  });

  it('caps the lifetime at the stored maximum (12 h)', async () => {
    const { keyPair, certificates, requestedAt } = await retrieve(fx, 48 * 3600);
    const credential = toCredential(keyPair, certificates);
    assert.ok(Math.abs(credential.notAfter.getTime() - (requestedAt + 12 * 3600_000)) < 60_000, credential.notAfter.toISOString());
  });

  it("reports a wrong pass phrase as MYPROXY_AUTH_FAILED with the server's own text", async () => {
    const keyPair = await generateRsaKeyPair({ extractable: false });
    const channel = await nodeTlsChannel(fx);
    try {
      const error = await errorOf(
        getDelegation(channel, { username: fx.user.username, passphrase: 'wrong pass phrase', lifetimeSeconds: 3600 }, await createProxyCsr(keyPair), {
          responseTimeoutMs: 30_000,
        }),
      );
      assert.equal(error.code, 'MYPROXY_AUTH_FAILED', error.message);
      assert.ok(error.message.length > 0);
      // The message is the server's text unchanged: the same lines appear in its log (written asynchronously).
      for (const line of error.message.split('\n')) {
        const deadline = Date.now() + 5000;
        while (!fx.log().includes(line) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(fx.log().includes(line), `server text "${line}" is not in its log`);
      }
    } finally {
      channel.close();
    }
  });

  it('reports an unknown user with an error code and the server text', async () => {
    const keyPair = await generateRsaKeyPair({ extractable: false });
    const channel = await nodeTlsChannel(fx);
    try {
      const error = await errorOf(
        getDelegation(channel, { username: 'nobody-here', passphrase: 'whatever1', lifetimeSeconds: 3600 }, await createProxyCsr(keyPair), {
          responseTimeoutMs: 30_000,
        }),
      );
      // Repository mode says: No credentials exist for username "nobody-here".
      assert.equal(error.code, 'MYPROXY_AUTH_FAILED', error.message);
      assert.match(error.message, /nobody-here/);
    } finally {
      channel.close();
    }
  });

  it('reports an unknown credential name with an error code', async () => {
    const keyPair = await generateRsaKeyPair({ extractable: false });
    const channel = await nodeTlsChannel(fx);
    try {
      const error = await errorOf(
        getDelegation(
          channel,
          { username: fx.user.username, passphrase: fx.user.passphrase, lifetimeSeconds: 3600, credentialName: 'nosuchcred' },
          await createProxyCsr(keyPair),
          { responseTimeoutMs: 30_000 },
        ),
      );
      // No credentials exist with username "alice" and credential name "nosuchcred".
      assert.equal(error.code, 'MYPROXY_AUTH_FAILED', error.message);
      assert.match(error.message, /nosuchcred/);
    } finally {
      channel.close();
    }
  });

  describe('logon() over our own TLS client and TCP', () => {
    const trustRoots = (): Uint8Array[] => pemCertificates(fx.caCertPem);

    it('returns a credential whose PEM grid-proxy-info accepts, reporting each step', async () => {
      const steps: LogonStep[] = [];
      const credential = await logon({
        openTransport: () => connectTcp({ host: fx.host, port: fx.port }),
        serverName: fx.serverName,
        trustRoots: trustRoots(),
        username: fx.user.username,
        passphrase: fx.user.passphrase,
        lifetimeSeconds: 3600,
        responseTimeoutMs: 30_000,
        onProgress: (step) => steps.push(step),
      });
      assert.deepEqual(steps, ['generating-key', 'connecting', 'handshake', 'requesting', 'done']);
      assert.equal(credential.isProxy, true);
      assert.ok(credential.subject.startsWith(`${fx.user.subject}/CN=`));
      const file = path.join(tmp, 'x509up_logon');
      writeFileSync(file, await credentialToPem(credential), { mode: 0o600 });
      const info = await gridProxyInfo(file, { ...fx.nativeEnv });
      assert.equal(info.code, 0, info.stdout + info.stderr);
      assert.equal(await certificateModulus(file), await privateKeyModulus(file));
    });

    it('rejects a wrong pass phrase with MYPROXY_AUTH_FAILED', async () => {
      const error = await errorOf(
        logon({
          openTransport: () => connectTcp({ host: fx.host, port: fx.port }),
          serverName: fx.serverName,
          trustRoots: trustRoots(),
          username: fx.user.username,
          passphrase: 'not the pass phrase',
          lifetimeSeconds: 3600,
          responseTimeoutMs: 30_000,
        }),
      );
      assert.equal(error.code, 'MYPROXY_AUTH_FAILED', error.message);
    });

    it('fails the handshake with CERT_UNTRUSTED when no trust root matches', async () => {
      for (const roots of [[], pemCertificates(readFileSync(fx.user.certPath, 'utf8'))]) {
        const error = await errorOf(
          logon({
            openTransport: () => connectTcp({ host: fx.host, port: fx.port }),
            serverName: fx.serverName,
            trustRoots: roots,
            username: fx.user.username,
            passphrase: fx.user.passphrase,
            lifetimeSeconds: 3600,
          }),
        );
        assert.equal(error.code, 'CERT_UNTRUSTED', error.message);
      }
    });

    it('aborts with ABORTED and closes the transport', async () => {
      const controller = new AbortController();
      let transport: ByteChannel | undefined;
      let closed = false;
      const promise = logon({
        openTransport: async () => {
          const channel = await connectTcp({ host: fx.host, port: fx.port });
          transport = {
            read: () => channel.read(),
            write: (data) => channel.write(data),
            close: () => {
              closed = true;
              channel.close();
            },
          };
          return transport;
        },
        serverName: fx.serverName,
        trustRoots: trustRoots(),
        username: fx.user.username,
        passphrase: fx.user.passphrase,
        lifetimeSeconds: 3600,
        onProgress: (step) => {
          if (step === 'handshake') setTimeout(() => controller.abort(), 0);
        },
        signal: controller.signal,
      });
      const error = await errorOf(promise);
      assert.equal(error.code, 'ABORTED');
      assert.ok(transport && closed, 'transport closed');
    });
  });
});
