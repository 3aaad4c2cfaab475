/**
 * GET /healthz: can the bridge reach its target(s)? Opens (and at once closes) one TCP
 * connection per target. Results are cached briefly and concurrent checks share one
 * probe, so a flood of health requests cannot become a flood of connections to the
 * MyProxy server.
 */
import { connect } from 'node:net';
import { formatHostPort, type HostPort } from './config.js';

const CACHE_MS = 1_000;

export interface HealthReport {
  readonly ok: boolean;
  /** `host:port` -> 'ok' or an error code (ECONNREFUSED, ETIMEDOUT, ...). */
  readonly targets: Record<string, string>;
}

function probe(target: HostPort, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (result: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('ETIMEDOUT'), timeoutMs);
    socket.once('connect', () => done('ok'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'ERROR'));
  });
}

export function createHealthCheck(targets: readonly HostPort[], timeoutMs: number): () => Promise<HealthReport> {
  let cached: { at: number; report: Promise<HealthReport> } | undefined;
  return () => {
    const now = performance.now();
    if (cached && now - cached.at < CACHE_MS) return cached.report;
    const report = Promise.all(targets.map((t) => probe(t, timeoutMs))).then((results) => {
      const entries = targets.map((t, i) => [formatHostPort(t), results[i]!] as const);
      return { ok: results.every((r) => r === 'ok'), targets: Object.fromEntries(entries) };
    });
    cached = { at: now, report };
    // Cache from the end of the probe, so a slow probe is not repeated at once.
    void report.then(() => {
      if (cached?.report === report) cached.at = performance.now();
    });
    return report;
  };
}
