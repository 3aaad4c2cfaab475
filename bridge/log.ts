/**
 * The bridge's log records: one JSON object per line on stdout.
 * Records carry addresses, origins, routes, counts and reasons; never payload bytes and
 * never tokens.
 */

/** Why a tunnel ended; the first cause wins (see relay.ts). */
export type TunnelCloseReason =
  /** The client closed the WebSocket (its close code is logged). */
  | 'client_closed'
  /** The WebSocket failed: protocol error, oversized message, lost connection. */
  | 'client_error'
  /** The client sent a text frame (closed with 1003). */
  | 'text_frame'
  /** The target ended its side (closed with 1000 after the last bytes were sent). */
  | 'target_closed'
  /** The established target connection failed (4001). */
  | 'target_error'
  /** The target refused the connection or could not be resolved (4000). */
  | 'target_unreachable'
  /** The target did not accept the connection in time (4000). */
  | 'connect_timeout'
  /** No bytes in either direction for the idle timeout (4002). */
  | 'idle_timeout'
  /** The tunnel reached its maximum lifetime (4003). */
  | 'lifetime_exceeded'
  /** The tunnel relayed more than its byte allowance (4004). */
  | 'byte_limit'
  /** The client did not answer a ping within one heartbeat interval (dropped, 1006). */
  | 'heartbeat_timeout'
  /** The bridge is stopping (4005). */
  | 'shutdown';

export interface TunnelClosedRecord {
  readonly event: 'tunnel_closed';
  readonly time: string;
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
  /** The route path in routes mode; '*' in single-target mode. */
  readonly route: string;
  /** Bytes from the client to the target. */
  readonly bytesUp: number;
  /** Bytes from the target to the client. */
  readonly bytesDown: number;
  readonly durationMs: number;
  readonly reason: TunnelCloseReason;
  /** The WebSocket close code: the one the bridge sent, or the client's for client_* reasons. */
  readonly code: number;
  /** A stable error code (e.g. ECONNREFUSED, WS_ERR_UNSUPPORTED_MESSAGE_LENGTH) when an error ended the tunnel. */
  readonly error?: string;
}

/** Why an upgrade request was refused before any WebSocket was opened. */
export type UpgradeRejectedReason =
  | 'origin_missing' // 403
  | 'origin_denied' // 403
  | 'subprotocol_unsupported' // 400
  | 'route_unknown' // 404
  | 'token_missing' // 401
  | 'token_invalid' // 401
  | 'rate_limited' // 429: too many new connections from this address this minute
  | 'too_many_per_ip' // 429: too many open tunnels from this address
  | 'too_many_connections' // 503: the bridge is full
  | 'shutting_down'; // 503

export interface UpgradeRejectedRecord {
  readonly event: 'upgrade_rejected';
  readonly time: string;
  readonly ip: string;
  /** The Origin header as received (absent when missing). */
  readonly origin?: string;
  readonly status: number;
  readonly reason: UpgradeRejectedReason;
  /** Detail for token_invalid: malformed, bad_signature, expired, not_yet_valid, wrong_route. */
  readonly detail?: string;
}

/** Operational events: TLS certificate reloads (SIGHUP). */
export interface BridgeEventRecord {
  readonly event: 'tls_reloaded' | 'tls_reload_failed';
  readonly time: string;
  /** Why a reload failed (OpenSSL's or the file system's message). */
  readonly reason?: string;
}

export type BridgeLogRecord = TunnelClosedRecord | UpgradeRejectedRecord | BridgeEventRecord;

export type BridgeLogger = (record: BridgeLogRecord) => void;

/** Default logger: one JSON line per record on stdout. */
export const stdoutLogger: BridgeLogger = (record) => {
  process.stdout.write(JSON.stringify(record) + '\n');
};
