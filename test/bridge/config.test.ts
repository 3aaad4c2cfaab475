/** Flag parsing and validation: precise BAD_INPUT errors, explicit defaults. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMyProxyWebError } from '../../shared/errors.js';
import { TUNNEL_MAX_BUFFERED_BYTES, TUNNEL_MAX_PAYLOAD_BYTES } from '../../shared/tunnel.js';
import { parseHostPort, resolveConfig, validateOrigin } from '../../bridge/config.js';
import { parseArgs } from '../../bridge/options.js';

function badInput(fn: () => unknown, mentions: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isMyProxyWebError(err), 'expected a MyProxyWebError');
    assert.equal(err.code, 'BAD_INPUT');
    assert.match(err.message, mentions); // the message names the flag at fault
    return true;
  });
}

const required = ['--target', 'myproxy.example.org:7512', '--allow-origin', 'https://portal.example.org'];

describe('parseArgs', () => {
  test('defaults', () => {
    const parsed = parseArgs(required);
    assert.equal(parsed.kind, 'run');
    assert.deepEqual(parsed.kind === 'run' && parsed.config, {
      target: { host: 'myproxy.example.org', port: 7512 },
      listen: { host: '127.0.0.1', port: 7580 },
      allowedOrigins: ['https://portal.example.org'],
      routes: [],
      trustProxy: [],
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 300_000,
      maxBufferedBytes: TUNNEL_MAX_BUFFERED_BYTES,
      maxPayloadBytes: TUNNEL_MAX_PAYLOAD_BYTES,
      maxFragments: 256,
      maxLifetimeMs: 900_000,
      maxBytesPerConnection: 64 * 1024 * 1024,
      maxConnections: 1_000,
      maxConnectionsPerIp: 20,
      connectionsPerIpPerMinute: 60,
      upgradeTimeoutMs: 10_000,
      heartbeatIntervalMs: 30_000,
      shutdownTimeoutMs: 10_000,
    });
  });

  test('every flag, both spellings, repeated origins', () => {
    const parsed = parseArgs([
      '--target=[::1]:7512',
      '--listen',
      '0.0.0.0:0',
      '--allow-origin',
      'https://a.example',
      '--allow-origin=http://localhost:5173',
      '--connect-timeout',
      '2.5',
      '--idle-timeout=60',
    ]);
    assert.ok(parsed.kind === 'run');
    assert.deepEqual(parsed.config.target, { host: '::1', port: 7512 });
    assert.deepEqual(parsed.config.listen, { host: '0.0.0.0', port: 0 });
    assert.deepEqual(parsed.config.allowedOrigins, ['https://a.example', 'http://localhost:5173']);
    assert.equal(parsed.config.connectTimeoutMs, 2500);
    assert.equal(parsed.config.idleTimeoutMs, 60_000);
  });

  test('--help wins', () => {
    assert.deepEqual(parseArgs(['--target', 'x', '--help']), { kind: 'help' });
    assert.deepEqual(parseArgs(['-h']), { kind: 'help' });
  });

  test('missing required flags', () => {
    badInput(() => parseArgs(['--allow-origin', 'https://a.example']), /--target/);
    badInput(() => parseArgs(['--target', 'h:1']), /--allow-origin/);
    badInput(() => parseArgs([]), /--target/);
  });

  test('bad values', () => {
    badInput(() => parseArgs(['--target']), /--target needs a value/);
    badInput(() => parseArgs(['--target', '--listen', 'h:1']), /--target needs a value/);
    badInput(() => parseArgs(['--bogus', 'x']), /unknown option '--bogus'/);
    badInput(() => parseArgs(['stray']), /unexpected argument 'stray'/);
    badInput(() => parseArgs([...required, '--target', 'h:2']), /--target given more than once/);
    badInput(() => parseArgs([...required, '--connect-timeout', '0']), /--connect-timeout/);
    badInput(() => parseArgs([...required, '--idle-timeout', 'soon']), /--idle-timeout/);
    badInput(() => parseArgs([...required, '--listen', 'localhost']), /--listen/);
  });
});

describe('parseHostPort', () => {
  test('valid', () => {
    assert.deepEqual(parseHostPort('127.0.0.1:7512', 't', false), { host: '127.0.0.1', port: 7512 });
    assert.deepEqual(parseHostPort('[::1]:0', 't', true), { host: '::1', port: 0 });
  });
  test('invalid', () => {
    badInput(() => parseHostPort('host', '--target', false), /--target: expected HOST:PORT/);
    badInput(() => parseHostPort(':80', '--target', false), /--target/);
    badInput(() => parseHostPort('host:', '--target', false), /--target/);
    badInput(() => parseHostPort('host:0', '--target', false), /between 1 and 65535/);
    badInput(() => parseHostPort('host:65536', '--listen', true), /between 0 and 65535/);
    badInput(() => parseHostPort('host:http', '--target', false), /port must be a number/);
    badInput(() => parseHostPort('::1:80', '--target', false), /brackets/);
    badInput(() => parseHostPort('a b:80', '--target', false), /invalid host/);
  });
});

describe('validateOrigin', () => {
  test('accepts origins as browsers send them', () => {
    for (const o of ['https://portal.example.org', 'http://localhost:5173', 'https://[::1]:8443']) {
      assert.equal(validateOrigin(o), o);
    }
  });
  test('rejects what could never match, suggesting the right spelling', () => {
    badInput(() => validateOrigin('https://portal.example.org/'), /use 'https:\/\/portal.example.org'/);
    badInput(() => validateOrigin('https://Portal.Example.org'), /use 'https:\/\/portal.example.org'/);
    badInput(() => validateOrigin('https://portal.example.org:443'), /use 'https:\/\/portal.example.org'/);
    badInput(() => validateOrigin('https://portal.example.org/app'), /--allow-origin/);
    badInput(() => validateOrigin('portal.example.org'), /--allow-origin/);
    badInput(() => validateOrigin('*'), /--allow-origin/);
    badInput(() => validateOrigin('file:///tmp/x.html'), /http or https/);
  });
});

describe('resolveConfig', () => {
  test('requires an origin and a valid target port', () => {
    badInput(() => resolveConfig({ target: { host: 'h', port: 1 }, allowedOrigins: [] }), /--allow-origin/);
    badInput(() => resolveConfig({ target: { host: 'h', port: 0 }, allowedOrigins: ['https://a.example'] }), /--target/);
  });
  test('is idempotent on a resolved config', () => {
    const config = resolveConfig({ target: { host: 'h', port: 1 }, allowedOrigins: ['https://a.example', 'https://a.example'] });
    assert.deepEqual(config.allowedOrigins, ['https://a.example']);
    assert.deepEqual(resolveConfig(config), config);
  });
});
