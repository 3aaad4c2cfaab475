/**
 * Admission control before an upgrade is accepted: who the client is (X-Forwarded-For
 * from trusted proxies only), how many tunnels it and everyone hold, and how fast it
 * opens new ones. Memory is bounded: per-address state exists only while an address has
 * open tunnels or recent attempts, and a sweep drops the rest once a minute.
 */
import type { IncomingMessage } from 'node:http';
import { normalizeIp } from './config.js';
import type { UpgradeRejectedReason } from './log.js';

/**
 * The client's address. With trusted proxies, X-Forwarded-For is walked from the right
 * (the entry the nearest proxy appended) past trusted addresses; the first other address
 * is the client. A client can prepend anything it likes, so entries left of the first
 * untrusted one are never believed.
 */
export function clientIp(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  const peer = normalizeIp(req.socket.remoteAddress ?? '');
  if (trustedProxies.size === 0 || !trustedProxies.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map(normalizeIp).filter((s) => s !== '');
  for (let i = list.length - 1; i >= 0; i--) {
    const hop = list[i]!;
    if (!trustedProxies.has(hop)) return /^[0-9a-f.:]+$/.test(hop) ? hop : peer;
  }
  return list[0] ?? peer;
}

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly connectionsPerIpPerMinute: number;
}

interface PerIp {
  open: number;
  /** Token bucket for new connections: refills connectionsPerIpPerMinute per minute. */
  tokens: number;
  refilledAt: number;
}

export interface Refusal {
  readonly status: number;
  readonly reason: UpgradeRejectedReason;
}

export interface Admission {
  /** Spends one rate token for `ip` and checks capacity; the refusal, if any. */
  check(ip: string): Refusal | undefined;
  /**
   * Checks capacity again (a check() may be followed by an await) and counts the tunnel;
   * `release` (idempotent) uncounts it.
   */
  acquire(ip: string): { readonly release: () => void } | Refusal;
  /** Open tunnels, all addresses together. */
  readonly open: number;
  /** Addresses with state (for tests: proves the sweep bounds memory). */
  readonly trackedAddresses: number;
  stop(): void;
}

export function createAdmission(limits: AdmissionLimits, now: () => number = () => performance.now()): Admission {
  const perIp = new Map<string, PerIp>();
  let open = 0;
  const ratePerMs = limits.connectionsPerIpPerMinute / 60_000;

  const full = (e: PerIp): Refusal | undefined => {
    if (open >= limits.maxConnections) return { status: 503, reason: 'too_many_connections' };
    if (e.open >= limits.maxConnectionsPerIp) return { status: 429, reason: 'too_many_per_ip' };
    return undefined;
  };

  const entry = (ip: string): PerIp => {
    let e = perIp.get(ip);
    if (!e) {
      e = { open: 0, tokens: limits.connectionsPerIpPerMinute, refilledAt: now() };
      perIp.set(ip, e);
    } else {
      const t = now();
      e.tokens = Math.min(limits.connectionsPerIpPerMinute, e.tokens + (t - e.refilledAt) * ratePerMs);
      e.refilledAt = t;
    }
    return e;
  };

  const sweep = setInterval(() => {
    for (const [ip, e] of perIp) {
      entry(ip); // refill
      if (e.open === 0 && e.tokens >= limits.connectionsPerIpPerMinute) perIp.delete(ip);
    }
  }, 60_000);
  sweep.unref();

  return {
    check(ip) {
      const e = entry(ip);
      if (e.tokens < 1) return { status: 429, reason: 'rate_limited' };
      e.tokens -= 1;
      return full(e);
    },
    acquire(ip) {
      const e = entry(ip);
      const refusal = full(e);
      if (refusal) return refusal;
      e.open++;
      open++;
      let released = false;
      // The sweep drops only entries with nothing open, so `e` stays the live entry.
      const release = (): void => {
        if (released) return;
        released = true;
        e.open--;
        open--;
      };
      return { release };
    },
    get open() {
      return open;
    },
    get trackedAddresses() {
      return perIp.size;
    },
    stop: () => clearInterval(sweep),
  };
}
