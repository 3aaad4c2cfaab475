/** wss:// with --tls-cert/--tls-key, re-read on SIGHUP without dropping open tunnels. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, describe, test } from 'node:test';
import { ORIGIN, collect, openClient, startEchoTarget, waitFor } from './helpers.js';
import { spawnBridge, stopAllSpawned } from './spawned.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bridge-tls-'));
after(async () => {
  await stopAllSpawned();
  rmSync(dir, { recursive: true, force: true });
});

function selfSigned(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

async function peerName(url: string): Promise<{ cn: string; close(): void; echo(): Promise<string> }> {
  const ws = await openClient(url, { rejectUnauthorized: false });
  const socket = (ws as unknown as { _socket: TLSSocket })._socket;
  const got = collect(ws);
  return {
    cn: String(socket.getPeerCertificate().subject.CN),
    close: () => ws.close(),
    echo: async () => {
      const before = got.received();
      ws.send(Buffer.from('echo'));
      await waitFor(() => got.received() >= before + 4, 2_000, 'echo');
      return got.bytes().subarray(before).toString();
    },
  };
}

describe('TLS', { timeout: 60_000 }, () => {
  test('serves wss://, reloads the certificate on SIGHUP, keeps tunnels open, survives a bad reload', async () => {
    const one = selfSigned('one');
    const two = selfSigned('two');
    const live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
    copyFileSync(one.cert, live.cert);
    copyFileSync(one.key, live.key);
    const target = await startEchoTarget();
    try {
      const bridge = await spawnBridge(['--listen', '127.0.0.1:0', '--target', `127.0.0.1:${target.port}`, '--allow-origin', ORIGIN, '--tls-cert', live.cert, '--tls-key', live.key]);
      assert.match(bridge.url, /^wss:\/\//);
      const first = await peerName(bridge.url);
      assert.equal(first.cn, 'one');

      copyFileSync(two.cert, live.cert);
      copyFileSync(two.key, live.key);
      bridge.child.kill('SIGHUP');
      await waitFor(() => bridge.records().some((r) => r.event === 'tls_reloaded'), 5_000, 'tls_reloaded');
      const second = await peerName(bridge.url);
      assert.equal(second.cn, 'two');
      assert.equal(await first.echo(), 'echo', 'the tunnel opened before the reload still relays');

      writeFileSync(live.key, 'not a key');
      bridge.child.kill('SIGHUP');
      await waitFor(() => bridge.records().some((r) => r.event === 'tls_reload_failed'), 5_000, 'tls_reload_failed');
      const third = await peerName(bridge.url);
      assert.equal(third.cn, 'two', 'a failed reload keeps the previous certificate');
      for (const c of [first, second, third]) c.close();
      await bridge.stop();
      assert.equal(await bridge.exit, 0);
    } finally {
      await target.close();
    }
  });

  test('unreadable TLS files: exit 1 with the reason', async () => {
    await assert.rejects(spawnBridge(['--target', '127.0.0.1:1', '--allow-origin', ORIGIN, '--listen', '127.0.0.1:0', '--tls-cert', path.join(dir, 'missing.crt'), '--tls-key', path.join(dir, 'missing.key')]), /ENOENT/);
  });
});
