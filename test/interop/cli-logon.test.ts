/**
 * `myproxy-web logon` against the real Debian myproxy-server, with the native
 * myproxy-logon and grid-proxy-info as oracles (issue: end-to-end slice).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runMyProxyWeb } from '../fixtures/cli.js';
import { freePort } from '../fixtures/free-port.js';
import { gridProxyInfo, runNativeLogon, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { certificateModulus, pemLabels, privateKeyModulus, x509Field } from '../fixtures/openssl-inspect.js';

describe('myproxy-web logon against the real myproxy-server', () => {
  let server: MyProxyServerFixture;
  let work: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await startMyProxyServer();
    work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-web-cli-'));
    env = { PATH: process.env.PATH, HOME: work, X509_CERT_DIR: server.trustDir };
  });

  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const baseArgs = () => ['logon', '-s', 'localhost', '-p', String(server.port), '-l', server.user.username, '-S'];

  it('writes the same structure as native myproxy-logon, accepted by grid-proxy-info', async () => {
    const ours = path.join(work, 'ours.pem');
    const native = path.join(work, 'native.pem');
    const result = await runMyProxyWeb([...baseArgs(), '-t', '2', '-o', ours], env, `${server.user.passphrase}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`A credential has been received for user ${server.user.username} in ${ours}\\.`));

    const oracle = await runNativeLogon(server, { username: server.user.username, passphrase: server.user.passphrase, outPath: native, lifetimeHours: 2 });
    assert.equal(oracle.code, 0, oracle.stderr);

    assert.equal(statSync(ours).mode & 0o777, 0o600);
    const ourPem = readFileSync(ours, 'utf8');
    const nativePem = readFileSync(native, 'utf8');
    assert.deepEqual(pemLabels(ourPem), pemLabels(nativePem));
    assert.equal(pemLabels(ourPem)[1], 'RSA PRIVATE KEY');

    assert.equal(await certificateModulus(ours), await privateKeyModulus(ours));
    assert.equal(await x509Field(ours, 'issuer'), await x509Field(native, 'issuer'));
    const subject = await x509Field(ours, 'subject');
    assert.ok(subject.startsWith(await x509Field(native, 'issuer')), `proxy subject ${subject} extends its issuer`);

    const info = await gridProxyInfo(ours, { X509_CERT_DIR: server.trustDir });
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /type\s*:\s*RFC 3820/);
    const left = /timeleft\s*:\s*(\d+):(\d+):(\d+)/.exec(info.stdout);
    assert.ok(left, info.stdout);
    const seconds = Number(left[1]) * 3600 + Number(left[2]) * 60 + Number(left[3]);
    assert.ok(seconds > 3600 && seconds <= 7200, `time left ${seconds}s matches -t 2`);
  });

  it('writes to stdout with -o -', async () => {
    const result = await runMyProxyWeb([...baseArgs(), '-o', '-'], env, `${server.user.passphrase}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(pemLabels(result.stdout).slice(0, 2), ['CERTIFICATE', 'RSA PRIVATE KEY']);
    assert.doesNotMatch(result.stdout, /A credential has been received/);
  });

  it('takes the server and output path from the environment', async () => {
    const out = path.join(work, 'env.pem');
    const result = await runMyProxyWeb(['logon', '-l', server.user.username, '-S'],
      { ...env, MYPROXY_SERVER: 'localhost', MYPROXY_SERVER_PORT: String(server.port), X509_USER_PROXY: out }, `${server.user.passphrase}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(statSync(out).mode & 0o777, 0o600);
  });

  it('accepts a server by exact DN with MYPROXY_SERVER_DN, as myproxy-logon does', async () => {
    const out = path.join(work, 'by-dn.pem');
    const args = ['logon', '-s', '127.0.0.1', '-p', String(server.port), '-l', server.user.username, '-S', '-o', out];
    const result = await runMyProxyWeb(args, { ...env, MYPROXY_SERVER_DN: '/CN=localhost' }, `${server.user.passphrase}\n`);
    assert.equal(result.code, 0, result.stderr);
    const wrong = await runMyProxyWeb(args, { ...env, MYPROXY_SERVER_DN: '/CN=otherhost' }, `${server.user.passphrase}\n`);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /\[CERT_NAME_MISMATCH\]/);
  });

  it('-d takes the user name from the credential\'s identity DN, not from LOGNAME', async () => {
    // A proxy of Alice's: its base identity is her end-entity subject.
    const proxy = path.join(work, 'for-d.pem');
    const first = await runMyProxyWeb([...baseArgs(), '-o', proxy], env, `${server.user.passphrase}\n`);
    assert.equal(first.code, 0, first.stderr);
    const out = path.join(work, 'by-d.pem');
    const args = ['logon', '-s', 'localhost', '-p', String(server.port), '-d', '-S', '-o', out];
    const result = await runMyProxyWeb(args, { ...env, X509_USER_PROXY: proxy, LOGNAME: 'somebody-else' }, 'whatever-phrase\n');
    // No credential is stored under a DN, so the server's refusal names the user name we sent.
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`"${server.user.subject}"`), result.stderr);
    assert.equal(existsSync(out), false);
    // -l still wins over -d.
    const explicit = await runMyProxyWeb([...args, '-l', server.user.username], { ...env, X509_USER_PROXY: proxy }, `${server.user.passphrase}\n`);
    assert.equal(explicit.code, 0, explicit.stderr);
  });

  describe('bad input ends in one clear error, bounded in time, with no partial output', () => {
    const expectFailure = async (args: string[], extraEnv: NodeJS.ProcessEnv, stdin: string, code: string) => {
      const out = path.join(work, `fail-${code}.pem`);
      const result = await runMyProxyWeb([...args, '-o', out], { ...env, ...extraEnv }, stdin);
      assert.equal(result.code, 1, `exit status for ${code}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`\\[${code}\\]`), result.stderr);
      assert.equal(existsSync(out), false, 'no output file is left behind');
      assert.ok(result.elapsedMs < 45_000, `finished in ${result.elapsedMs} ms`);
      return result;
    };

    it('wrong pass phrase', async () => {
      const result = await expectFailure(baseArgs(), {}, 'not-the-pass-phrase\n', 'MYPROXY_AUTH_FAILED');
      // The server's own text reaches the user unchanged, framed as myproxy-logon frames it.
      assert.match(result.stderr, /^Failed to receive credentials\.\nERROR from myproxy-server \(localhost:\d+\):\nBad password/);
    });

    it('unknown user', async () => {
      await expectFailure(['logon', '-s', 'localhost', '-p', String(server.port), '-l', 'nosuchuser', '-S'], {}, 'whatever-phrase\n', 'MYPROXY_AUTH_FAILED');
    });

    it('server down', async () => {
      const closed = await freePort();
      await expectFailure(['logon', '-s', 'localhost', '-p', String(closed), '-l', 'alice', '-S'], {}, 'whatever-phrase\n', 'TRANSPORT_CONNECT_FAILED');
    });

    it('untrusted server certificate', async () => {
      const emptyTrust = mkdtempSync(path.join(work, 'trust-'));
      await expectFailure(baseArgs(), { X509_CERT_DIR: emptyTrust }, `${server.user.passphrase}\n`, 'CERT_UNTRUSTED');
    });

    it('server name mismatch', async () => {
      await expectFailure(['logon', '-s', '127.0.0.1', '-p', String(server.port), '-l', server.user.username, '-S'], {}, `${server.user.passphrase}\n`, 'CERT_NAME_MISMATCH');
    });

    it('an existing credential file survives a failed logon unchanged', async () => {
      const out = path.join(work, 'keep.pem');
      writeFileSync(out, 'previous credential\n', { mode: 0o600 });
      const result = await runMyProxyWeb([...baseArgs(), '-o', out], env, 'not-the-pass-phrase\n');
      assert.equal(result.code, 1);
      assert.equal(readFileSync(out, 'utf8'), 'previous credential\n');
    });

    it('a non-positive lifetime is refused before connecting', async () => {
      await expectFailure([...baseArgs(), '-t', '0'], {}, `${server.user.passphrase}\n`, 'BAD_INPUT');
    });
  });
});
