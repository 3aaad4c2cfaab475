/**
 * MyProxy in CA mode with PAM (protocol notes §4.2, §8) against the REAL Debian myproxy-server:
 * our logon (shared/, over our TLS client and TCP) for a PAM user mapped by certificate_mapfile,
 * the server's refusals passed through unchanged, -N and -Q, and TRUSTED_CERTS=1. The native
 * myproxy-logon and openssl are the oracles.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon, type LogonOptions } from '../../shared/myproxy/client.js';
import { logonNoCredentials, logonWithCsr } from '../../shared/myproxy/logon-variants.js';
import { credentialToPem } from '../../shared/pki/credential.js';
import { generateRsaKeyPair } from '../../shared/pki/keys.js';
import { pemCertificates, pemDecodeAll, pemEncode } from '../../shared/pki/pem.js';
import { CA_SUBJECT, gridProxyInfo, runNativeLogon, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { certificateModulus, privateKeyModulus, x509Field, x509NotAfter } from '../fixtures/openssl-inspect.js';
import { runProcess } from '../fixtures/process.js';

const HOUR = 3600_000;

describe('CA mode with PAM (real myproxy-server)', () => {
  let fx: MyProxyServerFixture;
  let work: string;
  let base: Pick<LogonOptions, 'openTransport' | 'serverName' | 'trustRoots'>;
  let bob: { username: string; passphrase: string };

  before(async () => {
    fx = await startMyProxyServer({ mode: 'ca' });
    work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-ca-mode-'));
    base = {
      openTransport: () => connectTcp({ host: fx.host, port: fx.port }),
      serverName: fx.serverName,
      trustRoots: pemCertificates(fx.caCertPem),
    };
    bob = { username: fx.caUser!.username, passphrase: fx.caUser!.password };
  });

  after(async () => {
    await fx?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const expectError = (code: string, text: RegExp) => (error: unknown) => {
    assert.ok(error instanceof MyProxyWebError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, text);
    return true;
  };

  it('the fixture runs CA mode through its own PAM service', () => {
    assert.equal(fx.mode, 'ca');
    assert.equal(fx.caUser?.subject, '/O=myproxy-web test/CN=Bob Example');
    assert.match(fx.pamService ?? '', /^myproxy-web-test-[0-9a-f]+$/);
    assert.ok(existsSync(`/etc/pam.d/${fx.pamService}`));
    assert.ok(fx.trustFiles.length >= 4, `trust files: ${fx.trustFiles.join(', ')}`);
  });

  it('issues an end-entity certificate with the mapped DN, alone in its chain, like native myproxy-logon', async () => {
    const credential = await logon({ ...base, ...bob, lifetimeSeconds: 2 * 3600 });
    assert.equal(credential.subject, fx.caUser!.subject);
    assert.equal(credential.issuer, CA_SUBJECT);
    assert.equal(credential.isProxy, false);
    assert.equal(credential.chain.length, 0, 'count byte 1: the certificate only');
    const ours = path.join(work, 'bob.pem');
    writeFileSync(ours, await credentialToPem(credential), { mode: 0o600 });
    assert.equal(await certificateModulus(ours), await privateKeyModulus(ours));
    const verify = await runProcess('openssl', ['verify', '-CAfile', fx.caCertPath, ours]);
    assert.equal(verify.code, 0, verify.stderr + verify.stdout);

    const native = path.join(work, 'bob-native.pem');
    const oracle = await runNativeLogon(fx, { username: bob.username, passphrase: bob.passphrase, outPath: native, lifetimeHours: 2 });
    assert.equal(oracle.code, 0, oracle.stderr);
    assert.equal(await x509Field(ours, 'subject'), await x509Field(native, 'subject'));
    assert.deepEqual(pemDecodeAll(readFileSync(ours, 'utf8')).map((b) => b.label), pemDecodeAll(readFileSync(native, 'utf8')).map((b) => b.label));
  });

  it('clamps the lifetime to max_cert_lifetime', async () => {
    const asked = Date.now();
    const credential = await logon({ ...base, ...bob, lifetimeSeconds: 48 * 3600 });
    const maxMs = fx.maxCertLifetimeHours! * HOUR;
    const granted = credential.notAfter.getTime() - asked;
    assert.ok(Math.abs(granted - maxMs) < 5 * 60_000, `granted ${granted / HOUR} h, max ${fx.maxCertLifetimeHours} h`);
  });

  it('refuses an EC key with the server\'s own text, and says why', async () => {
    await assert.rejects(logon({ ...base, ...bob, lifetimeSeconds: 3600, keyType: 'ec-p256' }), (error: unknown) => {
      expectError('MYPROXY_REJECTED', /^Certificate generation failure\.\n/)(error);
      assert.match((error as Error).message, /EC key.*CA mode.*RSA/s);
      return true;
    });
  });

  it('refuses an RSA-1024 key (min_keylen 2048) with the server\'s text unchanged', async () => {
    const keyPair = await generateRsaKeyPair({ modulusBits: 1024, extractable: true });
    await assert.rejects(logon({ ...base, ...bob, lifetimeSeconds: 3600, keyPair }), expectError('MYPROXY_REJECTED', /^Certificate generation failure\.$/));
  });

  it('an unknown user and a wrong password are MYPROXY_AUTH_FAILED with the server\'s text', async () => {
    await assert.rejects(logon({ ...base, username: 'carol', passphrase: 'some-password', lifetimeSeconds: 3600 }), expectError('MYPROXY_AUTH_FAILED', /^unknown username: carol$/));
    await assert.rejects(logon({ ...base, username: bob.username, passphrase: 'not-the-password', lifetimeSeconds: 3600 }), expectError('MYPROXY_AUTH_FAILED', /^invalid password$/));
  });

  it('never sends LIFETIME=0 (it would give an already expired certificate): refused before connecting', async () => {
    let opened = 0;
    const counting = { ...base, openTransport: () => { opened++; return base.openTransport(); } };
    for (const lifetimeSeconds of [0, -1, 1.5]) {
      await assert.rejects(logon({ ...counting, ...bob, lifetimeSeconds }), expectError('BAD_INPUT', /lifetime/));
      await assert.rejects(logonNoCredentials({ ...counting, ...bob, lifetimeSeconds }), expectError('BAD_INPUT', /lifetime/));
    }
    assert.equal(opened, 0);
  });

  it('-N: authenticates only (request and first OK), and a wrong password still fails', async () => {
    assert.deepEqual(await logonNoCredentials({ ...base, ...bob, lifetimeSeconds: 3600 }), {});
    await assert.rejects(logonNoCredentials({ ...base, username: bob.username, passphrase: 'not-the-password', lifetimeSeconds: 3600 }), expectError('MYPROXY_AUTH_FAILED', /^invalid password$/));
  });

  it('-Q: a request made by openssl gets a certificate for that key, and no key comes back', async () => {
    const keyPath = path.join(work, 'q.key');
    const csrPath = path.join(work, 'q.csr');
    const made = await runProcess('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', '/CN=ignored']);
    assert.equal(made.code, 0, made.stderr);
    const csr = pemDecodeAll(readFileSync(csrPath, 'utf8'))[0]!.der;
    const issued = await logonWithCsr({ ...base, ...bob, lifetimeSeconds: 3600, csr });
    assert.equal(issued.subject, fx.caUser!.subject);
    assert.equal(issued.chain.length, 0);
    assert.equal('privateKey' in issued, false);
    const certPath = path.join(work, 'q.pem');
    writeFileSync(certPath, pemEncode('CERTIFICATE', issued.certificate));
    const keyModulus = await runProcess('openssl', ['rsa', '-in', keyPath, '-noout', '-modulus']);
    assert.equal(await certificateModulus(certPath), keyModulus.stdout.trim());
    await assert.rejects(logonWithCsr({ ...base, ...bob, lifetimeSeconds: 3600, csr: csr.slice(0, 40) }), expectError('BAD_INPUT', /certificate request/));
  });

  it('TRUSTED_CERTS=1 returns the server\'s trust directory in the first OK', async () => {
    const credential = await logon({ ...base, ...bob, lifetimeSeconds: 3600, trustedCerts: true });
    const roots = credential.trustRoots!;
    assert.deepEqual([...roots.files.keys()].sort(), fx.trustFiles);
    for (const [name, data] of roots.files) assert.deepEqual(Buffer.from(data), readFileSync(path.join(fx.trustDir, name)), name);
    assert.deepEqual(roots.skipped, []);
    const notAfter = await x509NotAfter(fx.caCertPath);
    assert.ok(notAfter > new Date());
  });

  it('repository-mode credentials still work on the same server (alice)', async () => {
    const credential = await logon({ ...base, username: fx.user.username, passphrase: fx.user.passphrase, lifetimeSeconds: 3600 });
    assert.equal(credential.isProxy, true);
    assert.ok(credential.subject.startsWith(fx.user.subject));
  });

  it('an EC key works for a stored (repository-mode) credential, written as PKCS#8 that grid-proxy-info reads', async () => {
    const credential = await logon({ ...base, username: fx.user.username, passphrase: fx.user.passphrase, lifetimeSeconds: 3600, keyType: 'ec-p256' });
    const file = path.join(work, 'alice-ec.pem');
    writeFileSync(file, await credentialToPem(credential), { mode: 0o600 });
    const labels = pemDecodeAll(readFileSync(file, 'utf8')).map((b) => b.label);
    assert.deepEqual(labels.slice(0, 2), ['CERTIFICATE', 'PRIVATE KEY']);
    const info = await gridProxyInfo(file, { X509_CERT_DIR: fx.trustDir });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /RFC 3820/);
  });

  it('stop() removes the PAM service file', async () => {
    const file = `/etc/pam.d/${fx.pamService}`;
    await fx.stop();
    assert.equal(existsSync(file), false);
  });
});
