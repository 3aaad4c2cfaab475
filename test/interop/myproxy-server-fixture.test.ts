import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { gridProxyInfo, runNativeLogon, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { isPidAlive, runProcess, waitForPidExit } from '../fixtures/process.js';
import { freePort } from '../fixtures/free-port.js';

const fixtureModule = fileURLToPath(new URL('../fixtures/myproxy-server.ts', import.meta.url));

/** Negotiated TLS version of a plain TLS handshake with the fixture (verifying the server as 'localhost'). */
function tlsProtocol(fx: MyProxyServerFixture, opts: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: fx.host, port: fx.port, servername: fx.serverName, ca: fx.caCertPem, ...opts }, () => {
      const proto = sock.getProtocol();
      const subject = sock.getPeerCertificate().subject;
      sock.destroy();
      if (subject?.CN !== 'localhost') reject(new Error(`unexpected server subject ${JSON.stringify(subject)}`));
      else resolve(proto ?? 'unknown');
    });
    sock.setTimeout(10_000, () => sock.destroy(new Error('TLS handshake timed out')));
    sock.once('error', reject);
  });
}

/** Processes whose command line mentions `needle` (e.g. a fixture dir). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle) && isPidAlive(Number(e))) out.push(Number(e));
    } catch {
      /* exited */
    }
  }
  return out;
}

function withLog(fx: MyProxyServerFixture, msg: string): string {
  return `${msg}\n--- server log ---\n${fx.log()}`;
}

describe('myproxy-server fixture (repository mode, default TLS)', () => {
  let fx: MyProxyServerFixture;
  before(async () => {
    fx = await startMyProxyServer();
  });
  after(async () => {
    await fx?.stop();
  });

  test('exposes the documented shape', () => {
    assert.equal(fx.host, '127.0.0.1');
    assert.equal(fx.serverName, 'localhost');
    assert.ok(fx.port > 0);
    assert.equal(fx.user.username, 'alice');
    assert.equal(fx.user.subject, '/O=myproxy-web test/CN=Alice');
    assert.ok(fx.user.passphrase.length >= 6);
    assert.match(fx.caCertPem, /^-----BEGIN CERTIFICATE-----/);
    const trust = readdirSync(fx.trustDir).sort();
    assert.equal(trust.length, 2, trust.join(','));
    assert.match(trust[0]!, /^[0-9a-f]{8}\.0$/);
    assert.equal(trust[1], trust[0]!.replace(/\.0$/, '.signing_policy'));
    assert.equal(fx.nativeEnv.X509_CERT_DIR, fx.trustDir);
    assert.equal(fx.nativeEnv.MYPROXY_SERVER, 'localhost');
    assert.equal(fx.nativeEnv.MYPROXY_SERVER_PORT, String(fx.port));
    assert.ok(existsSync(fx.user.certPath) && existsSync(fx.user.keyPath));
    assert.match(fx.log(), /Received PUT request for username alice/);
  });

  test('native myproxy-logon as Alice gives a 0600 proxy that grid-proxy-info accepts', async () => {
    const out = path.join(fx.dir, 'alice-logon.pem');
    const r = await runNativeLogon(fx, { username: fx.user.username, passphrase: fx.user.passphrase, outPath: out, lifetimeHours: 2 });
    assert.equal(r.code, 0, withLog(fx, `myproxy-logon failed: ${r.stdout}${r.stderr}`));
    assert.ok(existsSync(out));
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const pem = readFileSync(out, 'utf8');
    assert.match(pem, /^-----BEGIN CERTIFICATE-----[\s\S]+-----BEGIN RSA PRIVATE KEY-----/);
    const info = await gridProxyInfo(out, fx.nativeEnv);
    assert.equal(info.code, 0, info.stderr);
    const subject = /^subject\s*:\s*(.+)$/m.exec(info.stdout)?.[1];
    assert.ok(subject?.startsWith(fx.user.subject + '/CN='), info.stdout);
    assert.match(info.stdout, /^identity\s*:\s*\/O=myproxy-web test\/CN=Alice$/m);
    assert.match(info.stdout, /^timeleft\s*:\s*(1:59|2:00):\d\d/m);
  });

  test('wrong pass phrase: native myproxy-logon fails', async () => {
    const out = path.join(fx.dir, 'wrong.pem');
    const r = await runNativeLogon(fx, { username: fx.user.username, passphrase: 'not-the-pass-phrase', outPath: out });
    assert.notEqual(r.code, 0);
    assert.ok(!existsSync(out));
    assert.match(r.stderr + r.stdout, /pass ?phrase|invalid|failed/i);
  });

  test('serves concurrent connections', async () => {
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        runNativeLogon(fx, { username: fx.user.username, passphrase: fx.user.passphrase, outPath: path.join(fx.dir, `par-${i}.pem`), lifetimeHours: 1 }),
      ),
    );
    for (const r of results) assert.equal(r.code, 0, withLog(fx, r.stderr));
  });

  test('negotiates TLS 1.3 by default (node:tls)', async () => {
    assert.equal(await tlsProtocol(fx), 'TLSv1.3');
    // and still accepts a TLS 1.2-only client
    assert.equal(await tlsProtocol(fx, { maxVersion: 'TLSv1.2' }), 'TLSv1.2');
  });

  test('negotiates TLS 1.3 with openssl s_client -tls1_3', async () => {
    const r = await runProcess('openssl', ['s_client', '-connect', `127.0.0.1:${fx.port}`, '-tls1_3', '-CAfile', fx.caCertPath, '-verify_return_error', '-brief'], {
      input: '',
      timeoutMs: 15_000,
    });
    assert.match(r.stdout + r.stderr, /Protocol version: TLSv1\.3/, r.stdout + r.stderr);
  });
});

describe("myproxy-server fixture with maxTls '1.2'", () => {
  let fx: MyProxyServerFixture;
  before(async () => {
    fx = await startMyProxyServer({ maxTls: '1.2' });
  });
  after(async () => {
    await fx?.stop();
  });

  test('native myproxy-logon works', async () => {
    const out = path.join(fx.dir, 'tls12.pem');
    const r = await runNativeLogon(fx, { username: fx.user.username, passphrase: fx.user.passphrase, outPath: out, lifetimeHours: 1 });
    assert.equal(r.code, 0, withLog(fx, r.stderr));
    const info = await gridProxyInfo(out);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^identity\s*:\s*\/O=myproxy-web test\/CN=Alice$/m);
  });

  test('negotiates TLS 1.2 and refuses TLS 1.3-only clients', async () => {
    assert.equal(await tlsProtocol(fx), 'TLSv1.2');
    await assert.rejects(tlsProtocol(fx, { minVersion: 'TLSv1.3' }));
  });
});

describe('fixture lifecycle', () => {
  test('stop() kills every process of the fixture, removes the dir, and is idempotent', async () => {
    const fx = await startMyProxyServer();
    const pid = fx.pid;
    assert.ok(isPidAlive(pid));
    // Leave a connection open so that a myproxy-server process is running at stop() time.
    const idle = tls.connect({ host: fx.host, port: fx.port, servername: 'localhost', ca: fx.caCertPem });
    idle.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      idle.once('secureConnect', () => resolve());
      idle.once('error', reject);
    });
    const deadline = Date.now() + 5_000;
    while (fx.serverPids().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const serverPids = fx.serverPids();
    assert.ok(serverPids.length >= 1, withLog(fx, 'expected a live myproxy-server for the open connection'));

    await fx.stop();
    await fx.stop();
    idle.destroy();
    assert.ok(!isPidAlive(pid), `supervisor ${pid} still alive`);
    for (const p of serverPids) assert.ok(!isPidAlive(p), `myproxy-server ${p} still alive`);
    assert.deepEqual(processesMentioning(fx.dir), []);
    assert.ok(!existsSync(fx.dir));
    assert.match(fx.log(), /supervisor exiting/);
  });

  for (const how of ['forgets stop()', 'is SIGKILLed'] as const) {
    test(`nothing survives when the test process ${how}`, async () => {
      const code = [
        `import { startMyProxyServer } from ${JSON.stringify(fixtureModule)};`,
        `const fx = await startMyProxyServer();`,
        `console.log(JSON.stringify({ pid: fx.pid, dir: fx.dir }));`,
        how === 'is SIGKILLed' ? `process.kill(process.pid, 'SIGKILL');` : `/* exit without stop() */`,
      ].join('\n');
      const r = await runProcess(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeoutMs: 60_000 });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      assert.ok(line.startsWith('{'), `child output: ${r.stdout}\n${r.stderr}`);
      const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
      assert.ok(await waitForPidExit(pid, 10_000), `supervisor ${pid} survived`);
      const deadline = Date.now() + 5_000;
      while (processesMentioning(dir).length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      assert.deepEqual(processesMentioning(dir), []);
      if (how === 'forgets stop()') assert.ok(!existsSync(dir), `${dir} left behind`);
      else rmSync(dir, { recursive: true, force: true }); // nobody could clean up after SIGKILL
    });
  }

  test('freePort() returns a bindable port', async () => {
    const port = await freePort();
    assert.ok(port > 1024 && port < 65536);
  });
});
