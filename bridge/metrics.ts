/**
 * Counters for GET /metrics, in the Prometheus text exposition format (version 0.0.4).
 * Only counts: no addresses, origins or tokens appear as labels (bounded cardinality).
 */
import type { TunnelCloseReason, UpgradeRejectedReason } from './log.js';

export interface BridgeMetrics {
  tunnelOpened(): void;
  tunnelClosed(reason: TunnelCloseReason): void;
  bytes(direction: 'up' | 'down', count: number): void;
  rejected(reason: UpgradeRejectedReason | 'bad_request' | 'upgrade_timeout' | 'tls_handshake' | 'server_full'): void;
  error(kind: 'target' | 'client' | 'tls_reload' | 'http'): void;
  /** Prometheus text; `open` is the current number of tunnels. */
  render(open: number): string;
}

const ERROR_REASONS: ReadonlySet<TunnelCloseReason> = new Set(['client_error', 'target_error', 'target_unreachable', 'connect_timeout']);

export function createMetrics(): BridgeMetrics {
  let opened = 0;
  const bytes = { up: 0, down: 0 };
  const closed = new Map<string, number>();
  const rejections = new Map<string, number>();
  const errors = new Map<string, number>();
  const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

  const labelled = (name: string, label: string, map: Map<string, number>): string[] =>
    [...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${name}{${label}="${key}"} ${n}`);

  return {
    tunnelOpened: () => void opened++,
    tunnelClosed(reason) {
      bump(closed, reason);
      if (ERROR_REASONS.has(reason)) bump(errors, reason.startsWith('client') ? 'client' : 'target');
    },
    bytes: (direction, count) => void (bytes[direction] += count),
    rejected: (reason) => bump(rejections, reason),
    error: (kind) => bump(errors, kind),
    render(open) {
      const lines = [
        '# HELP myproxy_bridge_tunnels_open Tunnels open now.',
        '# TYPE myproxy_bridge_tunnels_open gauge',
        `myproxy_bridge_tunnels_open ${open}`,
        '# HELP myproxy_bridge_tunnels_total Tunnels accepted since start.',
        '# TYPE myproxy_bridge_tunnels_total counter',
        `myproxy_bridge_tunnels_total ${opened}`,
        '# HELP myproxy_bridge_tunnels_closed_total Tunnels closed, by reason.',
        '# TYPE myproxy_bridge_tunnels_closed_total counter',
        ...labelled('myproxy_bridge_tunnels_closed_total', 'reason', closed),
        '# HELP myproxy_bridge_bytes_total Bytes relayed; up is client to target.',
        '# TYPE myproxy_bridge_bytes_total counter',
        `myproxy_bridge_bytes_total{direction="up"} ${bytes.up}`,
        `myproxy_bridge_bytes_total{direction="down"} ${bytes.down}`,
        '# HELP myproxy_bridge_rejections_total Connections refused before a tunnel opened, by reason.',
        '# TYPE myproxy_bridge_rejections_total counter',
        ...labelled('myproxy_bridge_rejections_total', 'reason', rejections),
        '# HELP myproxy_bridge_errors_total Errors, by kind.',
        '# TYPE myproxy_bridge_errors_total counter',
        ...labelled('myproxy_bridge_errors_total', 'kind', errors),
        '# HELP myproxy_bridge_resident_memory_bytes Resident set size of the bridge process.',
        '# TYPE myproxy_bridge_resident_memory_bytes gauge',
        `myproxy_bridge_resident_memory_bytes ${process.memoryUsage.rss()}`,
      ];
      return lines.join('\n') + '\n';
    },
  };
}
