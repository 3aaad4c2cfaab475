/**
 * The bridge's log records: one JSON object per line on stdout.
 * Records carry addresses, origins, counts and reasons; never payload bytes.
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
  /** The bridge is stopping (4005). */
  | 'shutdown';

export interface TunnelClosedRecord {
  readonly event: 'tunnel_closed';
  readonly time: string;
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
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

export type UpgradeRejectedReason = 'origin_missing' | 'origin_denied' | 'subprotocol_unsupported' | 'shutting_down';

export interface UpgradeRejectedRecord {
  readonly event: 'upgrade_rejected';
  readonly time: string;
  readonly ip: string;
  /** The Origin header as received (absent when missing). */
  readonly origin?: string;
  readonly status: number;
  readonly reason: UpgradeRejectedReason;
}

export type BridgeLogRecord = TunnelClosedRecord | UpgradeRejectedRecord;

export type BridgeLogger = (record: BridgeLogRecord) => void;

/** Default logger: one JSON line per record on stdout. */
export const stdoutLogger: BridgeLogger = (record) => {
  process.stdout.write(JSON.stringify(record) + '\n');
};
