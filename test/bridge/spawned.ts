/**
 * myproxy-bridge as a separate process, for tests that measure it from outside (RSS and
 * open file descriptors from /proc/<pid>) or send it signals. The open-files limit is
 * raised to the hard limit first (`ulimit -n $(ulimit -Hn)`), because thousands of tunnels
 * need two descriptors each. stop() ends it by pid.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killPid } from '../fixtures/process.js';
import { waitFor } from './helpers.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface SpawnedBridge {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  stdout(): string;
  stderr(): string;
  /** JSON records logged so far. */
  records(): Record<string, unknown>[];
  /** Resident set size in KiB (VmRSS). */
  rssKiB(): number;
  /** Open file descriptors. */
  fds(): number;
  /** The soft open-files limit the bridge runs with. */
  fileLimit(): number;
  readonly exit: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; by pid. */
  stop(): Promise<void>;
}

const all = new Set<SpawnedBridge>();
/** Stops every bridge still running (call from after()). */
export async function stopAllSpawned(): Promise<void> {
  await Promise.all([...all].map((b) => b.stop()));
}

export async function spawnBridge(args: readonly string[], env: Record<string, string> = {}): Promise<SpawnedBridge> {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx bridge/main.ts ${quoted}`], {
    cwd: REPO,
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const pid = child.pid!;
  const line = /^myproxy-bridge listening on (wss?:\/\/[^ ]+:(\d+)) -> /m;
  const bridge: SpawnedBridge = {
    child,
    pid,
    get url() {
      return line.exec(stdout)![1]!;
    },
    get port() {
      return Number(line.exec(stdout)![2]);
    },
    stdout: () => stdout,
    stderr: () => stderr,
    records: () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
    rssKiB: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]),
    fds: () => readdirSync(`/proc/${pid}/fd`).length,
    fileLimit: () => Number(/Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))![1]),
    exit,
    stop: async () => {
      all.delete(bridge);
      if (child.exitCode === null && child.signalCode === null) await killPid(pid, { graceMs: 15_000 });
    },
  };
  all.add(bridge);
  try {
    await waitFor(() => line.test(stdout) || child.exitCode !== null, 20_000, 'the listening line');
  } catch (err) {
    await bridge.stop();
    throw err;
  }
  if (!line.test(stdout)) throw new Error(`the bridge did not start: ${stderr}`);
  return bridge;
}
