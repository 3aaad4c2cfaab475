/**
 * `myproxy-web init|store|retrieve|info|destroy|change-pass-phrase` and `logon -a` (bin/, the
 * compiled build) against the REAL myproxy-server, with the native tools as oracles.
 */
import assert from 'node:assert/strict';
import { runMyProxyWeb } from '../fixtures/cli.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runNative } from '../fixtures/myproxy-ops.js';
import { gridProxyInfo, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { certificateModulus, privateKeyModulus } from '../fixtures/openssl-inspect.js';
import { runProcess } from '../fixtures/process.js';

describe('myproxy-web credential commands against the real myproxy-server', () => {
  let server: MyProxyServerFixture;
  let work: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await startMyProxyServer();
    work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-cli-ops-'));
    env = {
      PATH: process.env.PATH,
      HOME: work,
      X509_CERT_DIR: server.trustDir,
      MYPROXY_SERVER: 'localhost',
      MYPROXY_SERVER_PORT: String(server.port),
      X509_USER_CERT: server.user.certPath,
      X509_USER_KEY: server.user.keyPath,
      LOGNAME: server.user.username,
    };
  });
  after(async () => {
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('--help for every command exits 0', async () => {
    for (const command of ['init', 'store', 'retrieve', 'info', 'destroy', 'change-pass-phrase']) {
      const result = await runMyProxyWeb([command, '--help'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Syntax: myproxy-web ${command}`));
    }
  });

  it('info prints what native myproxy-info prints', async () => {
    const ours = await runMyProxyWeb(['info'], env);
    const native = await runNative(server, 'myproxy-info', ['-l', server.user.username]);
    assert.equal(ours.code, 0, ours.stderr);
    const strip = (text: string) => text.replace(/timeleft: .*/g, 'timeleft');
    assert.equal(strip(ours.stdout), strip(native.stdout));
    const json = JSON.parse((await runMyProxyWeb(['info', '--json'], env)).stdout) as { credentials: { owner: string }[] };
    assert.equal(json.credentials[0]!.owner, server.user.subject);
  });

  it('info without any client credential: clear BAD_INPUT, exit 1', async () => {
    const result = await runMyProxyWeb(['info'], { ...env, X509_USER_CERT: undefined, X509_USER_KEY: undefined, HOME: path.join(work, 'nohome') });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /needs a client credential, and none was found/);
    assert.match(result.stderr, /\[BAD_INPUT\]/);
  });

  it('init (-S) → native myproxy-logon; change-pass-phrase; destroy', async () => {
    const init = await runMyProxyWeb(['init', '-S', '-k', 'cli-init', '-c', '5', '-t', '2'], env, 'init-secret1\n');
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /A proxy valid for 5 hours \(0\.2 days\) for user alice now exists on localhost\./);
    const out = path.join(work, 'init.pem');
    const native = await runNative(server, 'myproxy-logon', ['-l', 'alice', '-k', 'cli-init', '-S', '-o', out], { input: 'init-secret1\n' });
    assert.equal(native.code, 0, native.stderr);
    assert.equal((await gridProxyInfo(out, server.nativeEnv)).code, 0);

    const change = await runMyProxyWeb(['change-pass-phrase', '-S', '-k', 'cli-init'], env, 'init-secret1\nnew-secret22\n');
    assert.equal(change.code, 0, change.stderr);
    assert.equal(change.stdout, 'Pass phrase changed.\n');
    const logonNew = await runMyProxyWeb(['logon', '-S', '-k', 'cli-init', '-o', path.join(work, 'new.pem')], env, 'new-secret22\n');
    assert.equal(logonNew.code, 0, logonNew.stderr);
    const logonOld = await runMyProxyWeb(['logon', '-S', '-k', 'cli-init', '-o', path.join(work, 'old.pem')], env, 'init-secret1\n');
    assert.equal(logonOld.code, 1);
    assert.match(logonOld.stderr, /MYPROXY_AUTH_FAILED/);

    const destroy = await runMyProxyWeb(['destroy', '-k', 'cli-init'], env);
    assert.equal(destroy.code, 0, destroy.stderr);
    assert.equal(destroy.stdout, "MyProxy credential 'cli-init' for user alice was successfully removed.\n");
    const again = await runMyProxyWeb(['destroy', '-k', 'cli-init'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Credentials do not exist/);
    assert.doesNotMatch((await runNative(server, 'myproxy-info', ['-l', 'alice'])).stdout, /cli-init/);
  });

  it('init --pkcs12 (OpenSSL 3 AES profile)', async () => {
    const p12 = path.join(work, 'alice.p12');
    assert.equal((await runProcess('openssl', ['pkcs12', '-export', '-in', server.user.certPath, '-inkey', server.user.keyPath, '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-passout', 'pass:p12-secret', '-out', p12])).code, 0);
    const init = await runMyProxyWeb(['init', '-S', '-k', 'cli-p12', '--pkcs12', p12], { ...env, X509_USER_CERT: undefined, X509_USER_KEY: undefined }, 'init-secret2\np12-secret\n');
    assert.equal(init.code, 0, init.stderr);
    const native = await runNative(server, 'myproxy-logon', ['-l', 'alice', '-k', 'cli-p12', '-S', '-o', path.join(work, 'p12.pem')], { input: 'init-secret2\n' });
    assert.equal(native.code, 0, native.stderr);
  });

  it('store (encrypted key) → native myproxy-retrieve; native store → our retrieve', async () => {
    const encrypted = path.join(work, 'enc.key');
    assert.equal((await runProcess('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', server.user.keyPath, '-passout', 'pass:store-secret1', '-out', encrypted])).code, 0);
    const store = await runMyProxyWeb(['store', '-k', 'cli-store', '-E', 'Alice', '-c', server.user.certPath, '-y', encrypted], env);
    assert.equal(store.code, 0, store.stderr);
    assert.equal(store.stdout, 'Credentials saved to myproxy server.\n');
    const cert = path.join(work, 'n.pem');
    const key = path.join(work, 'n.key');
    const native = await runNative(server, 'myproxy-retrieve', ['-l', 'alice', '-k', 'cli-store', '-S', '-c', cert, '-y', key], { input: 'store-secret1\n' });
    assert.equal(native.code, 0, native.stderr);

    assert.equal((await runNative(server, 'myproxy-store', ['-l', 'alice', '-k', 'native-store', '-E', 'Alice', '-c', server.user.certPath, '-y', encrypted])).code, 0);
    const ourCert = path.join(work, 'o.pem');
    const ourKey = path.join(work, 'o.key');
    const retrieve = await runMyProxyWeb(['retrieve', '-S', '-k', 'native-store', '-c', ourCert, '-y', ourKey], env, 'store-secret1\n');
    assert.equal(retrieve.code, 0, retrieve.stderr);
    assert.equal(retrieve.stdout, `Credentials for alice have been stored in\n${ourCert} and\n${ourKey}.\n`);
    assert.equal(statSync(ourKey).mode & 0o777, 0o600);
    assert.equal(await certificateModulus(ourCert), await privateKeyModulus(ourKey));
    assert.equal(await privateKeyModulus(ourKey), await privateKeyModulus(key));
  });

  it('logon -a renews a credential stored with init -n -A', async () => {
    const init = await runMyProxyWeb(['init', '-n', '-A', '-k', 'cli-renew'], env);
    assert.equal(init.code, 0, init.stderr);
    const current = path.join(work, 'current.pem');
    assert.equal((await runMyProxyWeb(['logon', '-S', '-o', current], env, `${server.user.passphrase}\n`)).code, 0);
    const renewed = path.join(work, 'renewed.pem');
    const renew = await runMyProxyWeb(['logon', '-k', 'cli-renew', '-a', current, '-o', renewed], { ...env, X509_USER_CERT: undefined, X509_USER_KEY: undefined, X509_USER_PROXY: current });
    assert.equal(renew.code, 0, renew.stderr);
    const info = await gridProxyInfo(renewed, server.nativeEnv);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /identity : \/O=myproxy-web test\/CN=Alice/);
  });

  it('KEY= injection and a short pass phrase are BAD_INPUT before any connection', async () => {
    const count = () => (server.log().match(/Connection from/g) ?? []).length;
    const before = count();
    const inject = await runMyProxyWeb(['destroy', '-k', 'x PASSPHRASE=y'], env);
    assert.equal(inject.code, 1);
    assert.match(inject.stderr, /BAD_INPUT/);
    const short = await runMyProxyWeb(['init', '-S', '-k', 'short'], env, 'abc\n');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /Passphrase must be at least 6 characters long\./);
    assert.equal(count(), before);
  });
});
