/** The myproxy-bridge command as a process: listening line, one relay, JSON log, SIGTERM, exit codes. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ORIGIN, closeOf, collect, openClient, startEchoTarget, waitFor } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function run(args: string[]): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bridge/main.ts', ...args], { cwd: root });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

describe('myproxy-bridge CLI', { timeout: 30_000 }, () => {
  test('listens, relays, logs the tunnel, exits 0 on SIGTERM', async () => {
    const target = await startEchoTarget();
    try {
      const cli = run(['--listen', '127.0.0.1:0', '--target', `127.0.0.1:${target.port}`, '--allow-origin', ORIGIN]);
      const line = /^myproxy-bridge listening on (ws:\/\/127\.0\.0\.1:(\d+)) -> 127\.0\.0\.1:(\d+)$/m;
      await waitFor(() => line.test(cli.stdout()) || cli.child.exitCode !== null, 15_000, 'the listening line');
      const [, url, , targetPort] = line.exec(cli.stdout()) ?? assert.fail(`no listening line; stderr: ${cli.stderr()}`);
      assert.equal(Number(targetPort), target.port);

      const ws = await openClient(url!);
      const got = collect(ws);
      ws.send(Buffer.from('ping over the bridge'));
      await waitFor(() => got.received() === 20, 5_000, 'echo');
      assert.equal(got.bytes().toString(), 'ping over the bridge');
      ws.close(1000);
      await closeOf(ws);
      await waitFor(() => cli.stdout().includes('"tunnel_closed"'), 5_000, 'the tunnel log line');

      // A tunnel still open at SIGTERM is closed with 4005.
      const open = await openClient(url!);
      const closing = closeOf(open);
      cli.child.kill('SIGTERM');
      assert.equal((await closing).code, 4005);
      assert.equal(await cli.exit, 0);

      const records = cli.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(records.length, 2);
      assert.deepEqual(
        { ...records[0], id: typeof records[0]!.id, time: typeof records[0]!.time, durationMs: typeof records[0]!.durationMs },
        {
          event: 'tunnel_closed',
          time: 'string',
          id: 'string',
          ip: '127.0.0.1',
          origin: ORIGIN,
          route: '*',
          bytesUp: 20,
          bytesDown: 20,
          durationMs: 'number',
          reason: 'client_closed',
          code: 1000,
        },
      );
      assert.equal(records[1]!.reason, 'shutdown');
      assert.equal(records[1]!.code, 4005);
      assert.equal(cli.stderr(), '');
    } finally {
      await target.close();
    }
  });

  test('bad flags exit 2 with a message naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [[], /--target HOST:PORT is required/],
      [['--target', '127.0.0.1:7512'], /--allow-origin/],
      [['--target', '127.0.0.1:7512', '--allow-origin', 'https://a.example/'], /--allow-origin: .*use 'https:\/\/a\.example'/],
      [['--target', '127.0.0.1:99999', '--allow-origin', 'https://a.example'], /--target: port must be between 1 and 65535/],
      [['--nope'], /unknown option '--nope'/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const cli = run(args);
        assert.equal(await cli.exit, 2, args.join(' '));
        assert.match(cli.stderr(), message);
        assert.match(cli.stderr(), /^myproxy-bridge: /);
        assert.equal(cli.stdout(), '');
      }),
    );
  });

  test('--help prints usage and exits 0', async () => {
    const cli = run(['--help']);
    assert.equal(await cli.exit, 0);
    assert.match(cli.stdout(), /^Usage: myproxy-bridge --target HOST:PORT --allow-origin ORIGIN/);
  });

  test('an address in use exits 1', async () => {
    const target = await startEchoTarget();
    try {
      const cli = run(['--listen', `127.0.0.1:${target.port}`, '--target', '127.0.0.1:1', '--allow-origin', ORIGIN]);
      assert.equal(await cli.exit, 1);
      assert.match(cli.stderr(), /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      await target.close();
    }
  });
});
