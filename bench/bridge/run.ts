/**
 * Benchmark: myproxy-bridge vs Debian's python websockify vs direct TCP, in one run against
 * the same echo target on loopback. Prints a table with ratios; docs/PERFORMANCE.md holds
 * the figures of a recorded run. Bounded (about two minutes); every process it starts is
 * stopped by pid.
 *
 *   node --import tsx bench/bridge/run.ts [--quick]
 *
 * Measures: round trip p50/p99 of 64-byte messages; throughput of a 64 MiB echo in 16 KiB
 * messages; memory per idle tunnel at 1,000 and 5,000 (PSS of the relay's process tree,
 * so websockify's process-per-connection model is counted fairly); memory held while the
 * browser side or the target side stops reading.
 *
 * Every relay gets the same client code and the same warm-up: round trips are measured on
 * a fresh relay (the "cold" p99: the first 5,000 after start, which includes Node's JIT
 * warming up) and then again (steady state, the p50/p99 rows); throughput is one untimed
 * 16 MiB pass, then the median of THROUGHPUT_RUNS timed passes. The client is `ws`; with
 * the optional `bufferutil` installed, ws masks in native code in the client and unmasks
 * in native code in myproxy-bridge (websockify unmasks with numpy), so the client's masking
 * is not what limits the measurement. Round trips run with every process on CPU 0
 * (taskset; see pin()); throughput and memory on all CPUs.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { spawnLoad } from './load-child.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ORIGIN = 'https://bench.example';
const quick = process.argv.includes('--quick');
const RTT_ROUNDS = quick ? 1_000 : 5_000;
const THROUGHPUT_BYTES = 64 * 1024 * 1024;
const THROUGHPUT_RUNS = quick ? 1 : 3;
const IDLE_COUNTS = [1_000, 5_000];
const MiB = 1024 * 1024;
const WEBSOCKIFY_MAX_IDLE = 1_000;

// --- processes ------------------------------------------------------------------------
const started: ChildProcess[] = [];
async function stopAll(): Promise<void> {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid!, 'SIGKILL'); // detached: each relay leads its own group
    } catch {
      child.kill('SIGKILL');
    }
    await once(child, 'exit').catch(() => {});
  }
}
function children(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry), ...children(Number(entry)));
    } catch {
      /* gone */
    }
  }
  return out;
}
/** Proportional set size of a process and its descendants, KiB. */
function pssKiB(pid: number): number {
  let total = 0;
  for (const p of [pid, ...children(pid)]) {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return total;
}
/**
 * Sets the CPU affinity of processes (all their threads) with taskset; false if taskset is
 * missing. Round trips are measured with the benchmark and the relay on one CPU: on a VM,
 * a wake-up across CPUs costs about 0.1 ms and the scheduler's placement changes from run
 * to run, which would measure the scheduler rather than the relay.
 */
function pin(pids: number[], cpus: string): boolean {
  try {
    for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const ALL_CPUS = `0-${os.cpus().length - 1}`;
async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`port ${port} never opened`);
}
async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Relay {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
}
async function startOurs(targetPort: number): Promise<Relay> {
  const port = await freePort();
  const child = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx bridge/main.ts --listen 127.0.0.1:${port} --target 127.0.0.1:${targetPort} --allow-origin ${ORIGIN} --max-connections 20000 --max-connections-per-ip 20000 --rate-per-ip 1000000 --max-bytes 1GiB > /dev/null`], { cwd: REPO, detached: true, stdio: 'ignore' });
  started.push(child);
  await waitPort(port);
  return { name: 'myproxy-bridge', pid: child.pid!, url: `ws://127.0.0.1:${port}` };
}
async function startWebsockify(targetPort: number): Promise<Relay> {
  const port = await freePort();
  const child = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec websockify 127.0.0.1:${port} 127.0.0.1:${targetPort} > /dev/null 2>&1`], { detached: true, stdio: 'ignore' });
  started.push(child);
  await waitPort(port);
  return { name: 'websockify', pid: child.pid!, url: `ws://127.0.0.1:${port}` };
}

// --- a uniform client: WebSocket through a relay, or plain TCP ---------------------------
interface Pipe {
  send(data: Buffer): void;
  onData(fn: (d: Buffer) => void): void;
  pause(): void;
  close(): void;
}
async function openPipe(relay: Relay | undefined, targetPort: number): Promise<Pipe> {
  if (!relay) {
    const s: Socket = connect(targetPort, '127.0.0.1');
    s.setNoDelay(true);
    await once(s, 'connect');
    return { send: (d) => void s.write(d), onData: (fn) => void s.on('data', fn), pause: () => s.pause(), close: () => s.destroy() };
  }
  const ws = new WebSocket(relay.url, ['binary'], { origin: ORIGIN, perMessageDeflate: false });
  await once(ws, 'open');
  (ws as unknown as { _socket: Socket })._socket.setNoDelay(true);
  return { send: (d) => ws.send(d), onData: (fn) => void ws.on('message', fn), pause: () => ws.pause(), close: () => ws.terminate() };
}

async function rtt(relay: Relay | undefined, targetPort: number): Promise<{ p50: number; p99: number }> {
  const pipe = await openPipe(relay, targetPort);
  const msg = Buffer.alloc(64, 7);
  const samples: number[] = [];
  let pending: (() => void) | undefined;
  let got = 0;
  pipe.onData((d) => {
    got += d.length;
    if (got >= 64) {
      got -= 64;
      pending?.();
    }
  });
  for (let i = 0; i < RTT_ROUNDS + 500; i++) {
    const t = performance.now();
    await new Promise<void>((r) => {
      pending = r;
      pipe.send(msg);
    });
    if (i >= 500) samples.push(performance.now() - t);
  }
  pipe.close();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)]!, p99: samples[Math.floor(samples.length * 0.99)]! };
}

async function throughputOnce(relay: Relay | undefined, targetPort: number, bytes: number): Promise<number> {
  const pipe = await openPipe(relay, targetPort);
  const chunk = Buffer.alloc(16 * 1024, 1);
  let received = 0;
  const done = new Promise<void>((resolve) => pipe.onData((d) => ((received += d.length) >= bytes ? resolve() : undefined)));
  const t = performance.now();
  // Keep at most 4 MiB in flight so that the sender does not just fill its own buffers.
  let sent = 0;
  while (sent < bytes) {
    while (sent - received > 4 * MiB) await new Promise((r) => setImmediate(r));
    pipe.send(chunk);
    sent += chunk.length;
  }
  await done;
  const seconds = (performance.now() - t) / 1000;
  pipe.close();
  return bytes / MiB / seconds;
}

/** One untimed 16 MiB pass, then the median of THROUGHPUT_RUNS timed passes (MiB/s). */
async function throughput(relay: Relay | undefined, targetPort: number): Promise<number> {
  await throughputOnce(relay, targetPort, 16 * MiB);
  const runs: number[] = [];
  for (let i = 0; i < THROUGHPUT_RUNS; i++) runs.push(await throughputOnce(relay, targetPort, THROUGHPUT_BYTES));
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

/** Memory the relay holds while one side stops reading: 'client' (the browser) or 'target'. */
async function stalled(startRelay: (port: number) => Promise<Relay>, side: 'client' | 'target'): Promise<number> {
  let server: Server;
  if (side === 'client') {
    server = createServer((s) => {
      s.on('error', () => {});
      const block = Buffer.alloc(64 * 1024, 3);
      let n = 0;
      const pump = (): void => {
        while (n < 256 * MiB) {
          n += block.length;
          if (!s.write(block)) return void s.once('drain', pump);
        }
      };
      pump();
    });
  } else server = createServer((s) => (s.on('error', () => {}), s.pause()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relay = await startRelay((server.address() as { port: number }).port);
  await new Promise((r) => setTimeout(r, 300));
  const before = pssKiB(relay.pid);
  const pipe = await openPipe(relay, 0);
  if (side === 'client') pipe.pause();
  else for (let i = 0; i < 1024; i++) pipe.send(Buffer.alloc(64 * 1024, 2)); // 64 MiB offered
  await new Promise((r) => setTimeout(r, 3_000));
  const held = pssKiB(relay.pid) - before;
  pipe.close();
  server.close();
  await stopAll();
  return held;
}

async function idle(startRelay: (port: number) => Promise<Relay>, count: number): Promise<{ perTunnelKiB: number; openMs: number } | string> {
  const load = await spawnLoad(REPO);
  try {
    const relay = await startRelay(load.targetPort);
    const warm = await load.command(`open ${relay.url} 10 ${ORIGIN}`);
    if (!warm.startsWith('opened')) return warm;
    await load.command('close');
    await new Promise((r) => setTimeout(r, 300));
    const before = pssKiB(relay.pid);
    const opened = await load.command(`open ${relay.url} ${count} ${ORIGIN}`);
    if (!opened.startsWith('opened')) return opened;
    await new Promise((r) => setTimeout(r, 500));
    const after = pssKiB(relay.pid);
    await load.command('close');
    return { perTunnelKiB: (after - before) / count, openMs: Number(opened.split(' ')[2]) };
  } finally {
    await load.stop();
    await stopAll();
  }
}

// --- main -----------------------------------------------------------------------------
const echo = createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => {});
  s.pipe(s);
});
echo.listen(0, '127.0.0.1');
await once(echo, 'listening');
const echoPort = (echo.address() as { port: number }).port;
const deadline = setTimeout(() => {
  console.error('bench: took longer than 5 minutes; stopping');
  void stopAll().then(() => process.exit(1));
}, 300_000);

const rows: [string, string, string, string, string][] = [];
const benchStart = performance.now();
const progress = (what: string): void => void process.stderr.write(`[${((performance.now() - benchStart) / 1000).toFixed(0)} s] ${what}\n`);
const f = (n: number, digits = 3): string => n.toFixed(digits);
try {
  const ours = await startOurs(echoPort);
  const wsfy = await startWebsockify(echoPort);
  progress('round trips');
  const relayPids = (): number[] => [process.pid, ...[ours.pid, wsfy.pid].flatMap((p) => [p, ...children(p)])];
  const pinned = pin(relayPids(), '0');
  // First on a fresh relay (cold), then again (steady state).
  const cold = { ours: await rtt(ours, echoPort), wsfy: await rtt(wsfy, echoPort) };
  const r = { ours: await rtt(ours, echoPort), wsfy: await rtt(wsfy, echoPort), direct: await rtt(undefined, echoPort) };
  if (pinned) pin(relayPids(), ALL_CPUS);
  else progress('taskset not found: round trips measured without pinning to one CPU');
  progress('throughput');
  rows.push(['RTT p50, 64 B (ms)', f(r.ours.p50), f(r.wsfy.p50), f(r.direct.p50), `ours +${f(r.ours.p50 - r.direct.p50)} over TCP; ${f(r.ours.p50 / r.wsfy.p50, 2)}x websockify`]);
  rows.push(['RTT p99, 64 B (ms)', f(r.ours.p99), f(r.wsfy.p99), f(r.direct.p99), `${f(r.ours.p99 / r.wsfy.p99, 2)}x websockify`]);
  rows.push(['RTT p99, first 5,000 after start (ms)', f(cold.ours.p99), f(cold.wsfy.p99), '-', `${f(cold.ours.p99 / cold.wsfy.p99, 2)}x websockify (cold: JIT warming up)`]);
  const t = { ours: await throughput(ours, echoPort), wsfy: await throughput(wsfy, echoPort), direct: await throughput(undefined, echoPort) };
  rows.push(['echo throughput (MiB/s)', f(t.ours, 0), f(t.wsfy, 0), f(t.direct, 0), `${f(t.ours / t.wsfy, 2)}x websockify`]);
  await stopAll();
  for (const count of IDLE_COUNTS) {
    progress(`idle ${count}`);
    const o = await idle(startOurs, count);
    // websockify forks a process per connection: 5,000 would take minutes, so 1,000 only.
    const w = count <= WEBSOCKIFY_MAX_IDLE ? await idle(startWebsockify, count) : `not run (> ${WEBSOCKIFY_MAX_IDLE})`;
    const show = (x: typeof o): string => (typeof x === 'string' ? x : f(x.perTunnelKiB, 1));
    const ratio = typeof o !== 'string' && typeof w !== 'string' ? `${f(w.perTunnelKiB / o.perTunnelKiB, 1)}x less than websockify` : '';
    rows.push([`memory per idle tunnel at ${count} (KiB)`, show(o), show(w), '-', ratio]);
  }
  for (const side of ['client', 'target'] as const) {
    progress(`stalled ${side}`);
    const o = await stalled(startOurs, side);
    const w = await stalled(startWebsockify, side);
    rows.push([`memory held, ${side === 'client' ? 'browser' : 'target'} not reading (KiB)`, String(o), String(w), '-', '']);
  }
} finally {
  clearTimeout(deadline);
  await stopAll();
  echo.close();
}

const header: [string, string, string, string, string] = ['metric', 'myproxy-bridge', 'websockify', 'direct TCP', 'ratio'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const bufferutil = ((): string => {
  if (process.env.WS_NO_BUFFER_UTIL) return 'ws without bufferutil (WS_NO_BUFFER_UTIL set: JS masking)';
  try {
    createRequire(import.meta.url).resolve('bufferutil');
    return 'ws with bufferutil';
  } catch {
    return 'ws without bufferutil (JS masking)';
  }
})();
console.log(`\n${bufferutil}; ${os.cpus().length} x ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}, websockify ${readFileSync('/usr/lib/python3/dist-packages/websockify/__init__.py', 'utf8').length > 0 ? '(Debian python3-websockify)' : ''}`);
