/**
 * A load process for the bridge tests and benchmark: an echo target plus many idle
 * WebSocket clients, in a process of its own so that its file descriptors do not count
 * against the caller's limit (start it with `ulimit -n` raised, see spawnLoad()).
 *
 * Protocol on stdin/stdout, one line each:
 *   -> "target <port>"                 (printed at start: the echo target's port)
 *   <- "open <url> <count> <origin> [protocol]"  -> "opened <count> <ms>" or "error <message>"
 *   <- "close"                         -> "closed <ms>"  (every client closed, the target's sockets gone)
 *   <- "exit"
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

async function child(): Promise<void> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  process.stdout.write(`target ${port}\n`);
  let clients: WebSocket[] = [];

  const open = async (url: string, count: number, origin: string, protocol = 'binary'): Promise<void> => {
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        next++;
        const ws = new WebSocket(url, [protocol], { origin, perMessageDeflate: false });
        ws.on('error', () => {});
        clients.push(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('close', (code) => reject(new Error(`closed with ${code} after ${clients.length} clients`)));
          ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode} after ${clients.length} clients`)));
        });
      }
    };
    await Promise.all(Array.from({ length: 100 }, worker));
    process.stdout.write(`opened ${count} ${Math.round(performance.now() - started)}\n`);
  };

  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, ...args] = line.trim().split(' ');
    try {
      if (cmd === 'open') await open(args[0]!, Number(args[1]), args[2]!, args[3]);
      else if (cmd === 'close') {
        const started = performance.now();
        for (const ws of clients) ws.close(1000);
        clients = [];
        const deadline = Date.now() + 30_000;
        while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        process.stdout.write(`closed ${Math.round(performance.now() - started)} ${sockets.size}\n`);
      } else if (cmd === 'exit') break;
    } catch (err) {
      process.stdout.write(`error ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  for (const s of sockets) s.destroy();
  server.close();
  process.exit(0);
}

export interface LoadProcess {
  readonly pid: number;
  readonly targetPort: number;
  /** Sends a command and resolves with the next output line. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts load-child.ts with the open-files limit raised to the hard limit. */
export async function spawnLoad(cwd: string): Promise<LoadProcess> {
  const script = fileURLToPath(import.meta.url);
  const child: ChildProcessWithoutNullStreams = spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx "${script}" --child`], { cwd });
  child.stderr.setEncoding('utf8').on('data', (d: string) => process.stderr.write(`[load] ${d}`));
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  lines.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const next = (): Promise<string> => {
    const l = queue.shift();
    return l !== undefined ? Promise.resolve(l) : new Promise((r) => waiters.push(r));
  };
  const first = await next();
  const port = Number(/^target (\d+)$/.exec(first)?.[1]);
  if (!port) throw new Error(`load process: ${first}`);
  return {
    pid: child.pid!,
    targetPort: port,
    command: (line) => {
      child.stdin.write(`${line}\n`);
      return next();
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}

if (process.argv.includes('--child')) await child();
