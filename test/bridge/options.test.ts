/** Options from flags, MYPROXY_BRIDGE_* environment and a JSON file: precedence and precise errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMyProxyWebError } from '../../shared/errors.js';
import { USAGE, parseArgs } from '../../bridge/options.js';

function badInput(fn: () => unknown, mentions: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isMyProxyWebError(err) && err.code === 'BAD_INPUT', String(err));
    assert.match(err.message, mentions);
    return true;
  });
}
const origin = ['--allow-origin', 'https://portal.example.org'];
const run = (argv: string[], env: Record<string, string> = {}, files: Record<string, string> = {}) => {
  const parsed = parseArgs(argv, env, (p) => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT: no such file '${p}'`);
    return text;
  });
  assert.ok(parsed.kind === 'run');
  return parsed.config;
};

describe('options', () => {
  test('every new flag', () => {
    const config = run([
      ...origin,
      '--route', '/a=h1:1', '--route=/b=[::1]:2',
      '--token-secret', 'x'.repeat(32),
      '--tls-cert', 'c.pem', '--tls-key', 'k.pem',
      '--trust-proxy', '127.0.0.1,::1', '--trust-proxy', '::ffff:10.0.0.1',
      '--max-lifetime', '60', '--upgrade-timeout', '2', '--heartbeat', '5', '--shutdown-timeout', '0',
      '--max-connections', '5000', '--max-connections-per-ip', '50', '--rate-per-ip', '600',
      '--max-bytes', '1MiB', '--max-payload', '64KiB', '--max-fragments', '8', '--max-buffered', '512k',
    ]);
    assert.deepEqual(config.routes, [{ path: '/a', target: { host: 'h1', port: 1 } }, { path: '/b', target: { host: '::1', port: 2 } }]);
    assert.equal(config.target, undefined);
    assert.deepEqual(config.tls, { certFile: 'c.pem', keyFile: 'k.pem' });
    assert.deepEqual(config.trustProxy, ['127.0.0.1', '::1', '10.0.0.1']);
    assert.deepEqual(
      [config.maxLifetimeMs, config.upgradeTimeoutMs, config.heartbeatIntervalMs, config.shutdownTimeoutMs, config.maxConnections, config.maxConnectionsPerIp, config.connectionsPerIpPerMinute, config.maxBytesPerConnection, config.maxPayloadBytes, config.maxFragments, config.maxBufferedBytes],
      [60_000, 2_000, 5_000, 0, 5000, 50, 600, 1048576, 65536, 8, 512_000],
    );
  });

  test('flags win over the environment, which wins over the file', () => {
    const files = { '/etc/b.json': JSON.stringify({ target: 'file:1', 'idle-timeout': 7, 'allow-origin': ['https://f.example'], 'max-connections': 9 }) };
    const env = { MYPROXY_BRIDGE_CONFIG: '/etc/b.json', MYPROXY_BRIDGE_IDLE_TIMEOUT: '8', MYPROXY_BRIDGE_ALLOW_ORIGIN: 'https://e1.example, https://e2.example' };
    const config = run(['--idle-timeout', '9'], env, files);
    assert.deepEqual(config.target, { host: 'file', port: 1 });
    assert.equal(config.idleTimeoutMs, 9_000);
    assert.deepEqual(config.allowedOrigins, ['https://e1.example', 'https://e2.example']);
    assert.equal(config.maxConnections, 9);
    assert.equal(run([], { ...env, MYPROXY_BRIDGE_IDLE_TIMEOUT: '' }, files).idleTimeoutMs, 7_000);
  });

  test('routes as a JSON object', () => {
    const config = run(['--config', 'r.json'], {}, { 'r.json': JSON.stringify({ route: { '/x': 'h:7512' }, 'allow-origin': 'https://a.example' }) });
    assert.deepEqual(config.routes, [{ path: '/x', target: { host: 'h', port: 7512 } }]);
  });

  test('precise errors', () => {
    badInput(() => run([...origin, '--target', 'h:1', '--route', '/a=h:2']), /either --target or --route/);
    badInput(() => run([...origin, '--route', 'a=h:2']), /--route: path must look like/);
    badInput(() => run([...origin, '--route', '/metrics=h:2']), /reserved/);
    badInput(() => run([...origin, '--route', '/a=h:2', '--route', '/a=h:3']), /given more than once/);
    badInput(() => run([...origin, '--route', '/a']), /PATH=HOST:PORT/);
    badInput(() => run([...origin, '--target', 'h:1', '--token-secret', 'short']), /--token-secret must be at least 32 bytes/);
    badInput(() => run([...origin, '--target', 'h:1', '--tls-cert', 'c.pem']), /--tls-cert and --tls-key/);
    badInput(() => run([...origin, '--target', 'h:1', '--trust-proxy', 'proxy.example']), /--trust-proxy/);
    badInput(() => run([...origin, '--target', 'h:1', '--max-bytes', '1TB']), /--max-bytes: expected a size/);
    badInput(() => run([...origin, '--target', 'h:1', '--max-payload', '1']), /--max-payload must be between/);
    badInput(() => run([...origin, '--target', 'h:1', '--max-connections', '0']), /--max-connections: expected a whole number/);
    badInput(() => run([...origin, '--target', 'h:1', '--max-connections', '2', '--max-connections-per-ip', '3']), /cannot exceed --max-connections/);
    badInput(() => run([...origin, '--target', 'h:1', '--shutdown-timeout', '-1']), /--shutdown-timeout needs a value|--shutdown-timeout: expected/);
    badInput(() => run(['--target', 'h:1'], { MYPROXY_BRIDGE_IDLE_TIMEOUT: 'x', MYPROXY_BRIDGE_ALLOW_ORIGIN: 'https://a.example' }), /MYPROXY_BRIDGE_IDLE_TIMEOUT \(--idle-timeout\)/);
    badInput(() => run(['--target', 'h:1', ...origin], { MYPROXY_BRIDGE_NOPE: '1' }), /unknown environment variable MYPROXY_BRIDGE_NOPE/);
    badInput(() => run(['--config', 'c.json']), /--config c\.json: ENOENT/);
    badInput(() => run(['--config', 'c.json'], {}, { 'c.json': '{"nope": 1}' }), /"nope" is not an option/);
    badInput(() => run(['--config', 'c.json'], {}, { 'c.json': '[1]' }), /expected a JSON object/);
    badInput(() => run(['--config', 'c.json'], {}, { 'c.json': '{"target": {"a": 1}}' }), /"target": expected a string or a number/);
  });

  test('--help lists every option', () => {
    for (const flag of ['--route', '--token-secret', '--tls-cert', '--trust-proxy', '--max-lifetime', '--rate-per-ip', '--max-bytes', '--heartbeat', '--shutdown-timeout', '--config']) {
      assert.ok(USAGE.includes(flag), flag);
    }
  });
});
