/**
 * Trust roots end to end against the REAL myproxy-server (CA mode: its trust directory holds two
 * CAs with signing policies): `myproxy-web get-trustroots` against the native
 * myproxy-get-trustroots, trust bootstrap (-b) with the CA's SHA-256 fingerprint, `logon -T`,
 * `logon -N` / `-Q` / `--json`, and the native tools trusting what we installed.
 * The command runs from source (cli/run.ts through tsx), so no build is needed.
 */
import assert from 'node:assert/strict';
import { runMyProxyWeb } from '../fixtures/cli.js';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectTcp } from '../../cli/tcp-channel.js';
import { bootstrapTrust } from '../../shared/myproxy/bootstrap.js';
import { getTrustRoots } from '../../shared/myproxy/trustroots.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { runNativeLogon, startMyProxyServer, type MyProxyServerFixture } from '../fixtures/myproxy-server.js';
import { certificateModulus, pemLabels, x509Field } from '../fixtures/openssl-inspect.js';
import { runProcess } from '../fixtures/process.js';

const INSTALL_LOG = 'myproxy-install-log';

/** The files of a trust directory, name → contents, without the install log (it holds times and paths). */
function trustFiles(directory: string): Map<string, string> {
  return new Map(readdirSync(directory).filter((n) => n !== INSTALL_LOG).sort().map((n) => [n, readFileSync(path.join(directory, n), 'utf8')]));
}

describe('trust roots and bootstrap (real myproxy-server, CA mode)', () => {
  let fx: MyProxyServerFixture;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let caHash: string;
  let caFingerprint: string;
  let counter = 0;
  const freshDir = (create: boolean): string => {
    const directory = path.join(work, `certs-${++counter}`);
    if (create) mkdirSync(directory);
    return directory;
  };
  const server = () => ['-s', 'localhost', '-p', String(fx.port)];
  const nativeTool = (tool: string, args: string[], trustDir: string, input?: string) =>
    runProcess(`/usr/bin/${tool}`, args, { env: { ...fx.nativeEnv, X509_CERT_DIR: trustDir }, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

  before(async () => {
    fx = await startMyProxyServer({ mode: 'ca' });
    work = mkdtempSync(path.join(os.tmpdir(), 'myproxy-web-trust-'));
    env = { PATH: process.env.PATH, HOME: work, X509_CERT_DIR: fx.trustDir };
    caHash = (await runProcess('openssl', ['x509', '-in', fx.caCertPath, '-noout', '-subject_hash'])).stdout.trim();
    caFingerprint = (await runProcess('openssl', ['x509', '-in', fx.caCertPath, '-noout', '-fingerprint', '-sha256'])).stdout.trim().replace(/^.*Fingerprint=/i, '');
  });

  after(async () => {
    await fx?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('get-trustroots installs the same files as native myproxy-get-trustroots', async () => {
    const ours = freshDir(true);
    const native = freshDir(true);
    cpSync(path.join(fx.trustDir, `${caHash}.0`), path.join(ours, `${caHash}.0`));
    cpSync(path.join(fx.trustDir, `${caHash}.signing_policy`), path.join(ours, `${caHash}.signing_policy`));
    cpSync(ours, native, { recursive: true });
    const result = await runMyProxyWeb(['get-trustroots', ...server()], { ...env, X509_CERT_DIR: ours });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Trust roots have been installed in ${ours}/.\n`);
    const oracle = await nativeTool('myproxy-get-trustroots', server(), native);
    assert.equal(oracle.code, 0, oracle.stderr);
    assert.equal(oracle.stdout, `Trust roots have been installed in ${native}/.\n`);
    assert.deepEqual(readdirSync(ours).sort(), readdirSync(native).sort());
    assert.deepEqual(trustFiles(ours), trustFiles(native));
    assert.deepEqual([...trustFiles(ours).keys()], fx.trustFiles);
    for (const name of fx.trustFiles) assert.equal(statSync(path.join(ours, name)).mode & 0o777, 0o644, name);
    const log = readFileSync(path.join(ours, INSTALL_LOG), 'utf8');
    for (const name of fx.trustFiles) assert.match(log, new RegExp(`^\\d+: ${path.join(ours, name).replace(/\./g, '\\.')}$`, 'm'));
  });

  it('get-trustroots -q prints nothing; --json describes what was installed', async () => {
    const quiet = await runMyProxyWeb(['get-trustroots', ...server(), '-q'], { ...env, X509_CERT_DIR: freshCopyOfCa() });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout, '');
    const directory = freshCopyOfCa();
    const json = await runMyProxyWeb(['get-trustroots', ...server(), '--json'], { ...env, X509_CERT_DIR: directory });
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { directory: string; files: string[]; skipped: unknown[] };
    assert.equal(parsed.directory, directory);
    assert.deepEqual([...parsed.files].sort(), fx.trustFiles);
    assert.deepEqual(parsed.skipped, []);
  });

  function freshCopyOfCa(): string {
    const directory = freshDir(true);
    for (const suffix of ['0', 'signing_policy']) cpSync(path.join(fx.trustDir, `${caHash}.${suffix}`), path.join(directory, `${caHash}.${suffix}`));
    return directory;
  }

  it('an untrusted server CA fails without -b, with the native hint, and writes nothing', async () => {
    const empty = freshDir(true);
    const result = await runMyProxyWeb(['get-trustroots', ...server()], { ...env, X509_CERT_DIR: empty });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\[CERT_UNTRUSTED\]/);
    assert.match(result.stderr, /re-run with the -b option/);
    assert.deepEqual(readdirSync(empty), []);
  });

  it('-b bootstraps an empty X509_CERT_DIR from the server chain, shows the CA fingerprint, and matches native -b', async () => {
    const ours = freshDir(true);
    const result = await runMyProxyWeb(['get-trustroots', ...server(), '-b'], { ...env, X509_CERT_DIR: ours });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Bootstrapping MyProxy server root of trust\.\n/);
    assert.match(result.stderr, /New trusted MyProxy server: \/CN=localhost\n/);
    assert.ok(result.stderr.includes(`New trusted CA (${caHash}.0): /O=myproxy-web test/CN=myproxy-web Test CA\n`), result.stderr);
    assert.ok(result.stderr.includes(`SHA-256 fingerprint: ${caFingerprint}`), `${result.stderr}\nexpected ${caFingerprint}`);

    const native = freshDir(true);
    const oracle = await nativeTool('myproxy-get-trustroots', [...server(), '-b'], native);
    assert.equal(oracle.code, 0, oracle.stderr);
    assert.deepEqual(readdirSync(ours).sort(), readdirSync(native).sort());
    assert.deepEqual(trustFiles(ours), trustFiles(native));
  });

  it('-b into a directory that does not exist yet creates it; a normal logon then works with ours and the native tool', async () => {
    const directory = freshDir(false);
    const password = `${fx.caUser!.password}\n`;
    const out = path.join(work, 'after-bootstrap.pem');
    const bootstrap = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-b', '-o', out], { ...env, X509_CERT_DIR: directory }, password);
    assert.equal(bootstrap.code, 0, bootstrap.stderr);
    assert.match(bootstrap.stdout, new RegExp(`A credential has been received for user bob in ${out}\\.\\nTrust roots have been installed in ${directory}/\\.\\n`));
    assert.ok(bootstrap.stderr.includes(caFingerprint));
    assert.deepEqual([...trustFiles(directory).keys()], fx.trustFiles);
    assert.deepEqual(readdirSync(work).filter((n) => n.startsWith(`${path.basename(directory)}.`)), [], 'no temporary directory left');

    const again = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-o', out], { ...env, X509_CERT_DIR: directory }, password);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Bootstrapping/);
    const native = await runNativeLogon(fx, { username: fx.caUser!.username, passphrase: fx.caUser!.password, outPath: path.join(work, 'native-after.pem'), env: { X509_CERT_DIR: directory } });
    assert.equal(native.code, 0, native.stderr);
  });

  it('we trust what the native bootstrap installed', async () => {
    const directory = freshDir(true);
    const oracle = await nativeTool('myproxy-get-trustroots', [...server(), '-b'], directory);
    assert.equal(oracle.code, 0, oracle.stderr);
    const result = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-o', path.join(work, 'ours-native-trust.pem')], { ...env, X509_CERT_DIR: directory }, `${fx.caUser!.password}\n`);
    assert.equal(result.code, 0, result.stderr);
  });

  it('logon -T installs the trust roots from the first OK', async () => {
    const directory = freshCopyOfCa();
    const out = path.join(work, 'with-T.pem');
    const result = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-T', '-o', out], { ...env, X509_CERT_DIR: directory }, `${fx.caUser!.password}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Trust roots have been installed in /);
    assert.deepEqual([...trustFiles(directory).keys()], fx.trustFiles);
    for (const name of fx.trustFiles) assert.equal(trustFiles(directory).get(name), readFileSync(path.join(fx.trustDir, name), 'utf8'));
    assert.deepEqual(pemLabels(readFileSync(out, 'utf8')), ['CERTIFICATE', 'RSA PRIVATE KEY']);
  });

  it('logon -N authenticates only, silently like the native tool; a wrong pass phrase fails', async () => {
    const out = path.join(work, 'never-written.pem');
    const ok = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-N', '-o', out], env, `${fx.caUser!.password}\n`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, '');
    assert.equal(existsSync(out), false);
    const bad = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-N'], env, 'wrong-password\n');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^Failed to receive credentials\.\nERROR from myproxy-server \(localhost:\d+\):\ninvalid password\n\[MYPROXY_AUTH_FAILED\]\n$/);
  });

  it('logon -n sends no pass phrase and reports the server\'s answer as myproxy-logon does', async () => {
    const result = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-n', '-o', path.join(work, 'n.pem')], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^Failed to receive credentials\.\nERROR from myproxy-server \(localhost:\d+\):\nno passphrase\nauthentication failed\n\[MYPROXY_AUTH_FAILED\]\n$/);
  });

  it('logon -Q writes only the certificate for the given request', async () => {
    const keyPath = path.join(work, 'own.key');
    const csrPath = path.join(work, 'own.csr');
    const made = await runProcess('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csrPath, '-subj', '/CN=x']);
    assert.equal(made.code, 0, made.stderr);
    const out = path.join(work, 'own.pem');
    const result = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-Q', csrPath, '-o', out], env, `${fx.caUser!.password}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(pemLabels(readFileSync(out, 'utf8')), ['CERTIFICATE']);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(await certificateModulus(out), (await runProcess('openssl', ['rsa', '-in', keyPath, '-noout', '-modulus'])).stdout.trim());
    assert.equal(await x509Field(out, 'subject'), fx.caUser!.subject);
  });

  it('logon --json prints the credential for scripts; EC keys are refused in CA mode with the server text', async () => {
    const out = path.join(work, 'json.pem');
    const result = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-o', out, '--json', '-t', '2'], env, `${fx.caUser!.password}\n`);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['username', 'path', 'subject', 'issuer', 'notBefore', 'notAfter', 'isProxy']);
    assert.equal(parsed.username, 'bob');
    assert.equal(parsed.path, out);
    assert.equal(parsed.subject, fx.caUser!.subject);
    assert.equal(parsed.isProxy, false);
    const hours = (Date.parse(parsed.notAfter as string) - Date.now()) / 3600_000;
    assert.ok(hours > 1.9 && hours <= 2.01, `${hours} h`);

    const ec = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-o', path.join(work, 'ec.pem'), '--key-type', 'ec-p256'], env, `${fx.caUser!.password}\n`);
    assert.equal(ec.code, 1);
    assert.match(ec.stderr, /ERROR from myproxy-server \(localhost:\d+\):\nCertificate generation failure\.\n.*EC key.*\n\[MYPROXY_REJECTED\]\n$/);
  });

  it('MYPROXY_KEYBITS picks the RSA size; --help works for each command', async () => {
    const out = path.join(work, 'bits.pem');
    const result = await runMyProxyWeb(['logon', ...server(), '-l', fx.caUser!.username, '-S', '-o', out], { ...env, MYPROXY_KEYBITS: '3072' }, `${fx.caUser!.password}\n`);
    assert.equal(result.code, 0, result.stderr);
    const text = (await runProcess('openssl', ['x509', '-in', out, '-noout', '-text'])).stdout;
    assert.match(text, /Public-Key: \(3072 bit\)/);
    for (const command of ['logon', 'get-delegation', 'get-trustroots']) {
      const help = await runMyProxyWeb([command, '--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, new RegExp(`Syntax: myproxy-web ${command === 'get-delegation' ? 'logon' : command}`));
    }
  });
});

describe('trust bootstrap against a TLS 1.2-only myproxy-server', () => {
  let fx: MyProxyServerFixture;
  before(async () => {
    fx = await startMyProxyServer({ maxTls: '1.2' });
  });
  after(async () => {
    await fx?.stop();
  });

  it('captures the CA from a TLS 1.2 Certificate message, and GET_TRUSTROOTS then works verified', async () => {
    const openTransport = () => connectTcp({ host: fx.host, port: fx.port });
    const result = await bootstrapTrust({ openTransport, serverName: fx.serverName });
    assert.equal(result.serverSubject, '/CN=localhost');
    assert.equal(result.cas.length, 1);
    assert.deepEqual(Buffer.from(result.cas[0]!.der), Buffer.from(pemCertificates(fx.caCertPem)[0]!));
    const hash = (await runProcess('openssl', ['x509', '-in', fx.caCertPath, '-noout', '-subject_hash'])).stdout.trim();
    assert.equal(result.cas[0]!.subjectHash, hash);
    const roots = await getTrustRoots({ openTransport, serverName: fx.serverName, trustRoots: result.cas.map((ca) => ca.der) });
    assert.deepEqual([...roots.files.keys()].sort(), fx.trustFiles);
  });
});
