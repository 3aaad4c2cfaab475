/**
 * Constants shared by the page (client side of the tunnel) and myproxy-bridge.
 * The tunnel carries raw TLS bytes in binary WebSocket frames; nothing else.
 * docs/errors.md documents the close codes; README.md and docs/deploy.md the limits.
 */

/** WebSocket subprotocol offered by the page and echoed by the bridge (websockify-compatible). */
export const TUNNEL_SUBPROTOCOL = 'binary';

/**
 * A gateway token (shared/tunnel-token.ts) travels as a second offered subprotocol,
 * `myproxy-token.<token>`, because a page cannot set headers on a WebSocket. The bridge
 * never echoes it (it echoes `binary`), and unlike a query parameter it does not end up in
 * proxies' access logs.
 */
export const TUNNEL_TOKEN_SUBPROTOCOL_PREFIX = 'myproxy-token.';

/** The subprotocol list a client offers: `binary`, plus the token when there is one. */
export function tunnelSubprotocols(token?: string): string[] {
  return token ? [TUNNEL_SUBPROTOCOL, TUNNEL_TOKEN_SUBPROTOCOL_PREFIX + token] : [TUNNEL_SUBPROTOCOL];
}

/** Close codes used by the bridge (RFC 6455 §7.4.2: 4000-4999 are for applications). */
export const TUNNEL_CLOSE = {
  /** Normal end: the target closed its side, or the client did. */
  NORMAL: 1000,
  /** A text frame arrived; the tunnel carries binary frames only. */
  UNSUPPORTED_DATA: 1003,
  /** A message had more fragments than the bridge's `maxFragments` (sent by ws). */
  POLICY_VIOLATION: 1008,
  /** A message was larger than the bridge's `maxPayload` (sent by ws). */
  MESSAGE_TOO_BIG: 1009,
  /** The configured target could not be reached (refused, unresolvable, connect timeout). */
  TARGET_UNREACHABLE: 4000,
  /** The target connection failed after it was established. */
  TARGET_ERROR: 4001,
  /** No traffic for longer than the idle timeout. */
  IDLE_TIMEOUT: 4002,
  /** The tunnel lived longer than its maximum lifetime. */
  LIFETIME_EXCEEDED: 4003,
  /** A per-connection limit (bytes relayed) was exceeded. */
  LIMIT_EXCEEDED: 4004,
  /** The bridge is shutting down. */
  SHUTDOWN: 4005,
} as const;

export type TunnelCloseCode = (typeof TUNNEL_CLOSE)[keyof typeof TUNNEL_CLOSE];

/** Most bytes either direction may hold buffered before reading from the other side pauses. */
export const TUNNEL_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Largest WebSocket message the bridge accepts (TLS records are at most 16 KiB + overhead). */
export const TUNNEL_MAX_PAYLOAD_BYTES = 256 * 1024;

/**
 * The bridge's default limits. A MyProxy logon is one short connection moving tens of
 * kilobytes, so every default is generous for that and small for an attacker.
 */
export const TUNNEL_LIMITS = {
  /** Open tunnels at once, all clients together (HTTP 503 beyond). */
  maxConnections: 1_000,
  /** Open tunnels at once from one client address (HTTP 429 beyond). */
  maxConnectionsPerIp: 20,
  /** New upgrade requests per client address per minute (HTTP 429 beyond). */
  connectionsPerIpPerMinute: 60,
  /** Time a client has to send the complete upgrade request (slowloris guard). */
  upgradeTimeoutMs: 10_000,
  /** Time allowed for the TCP connection to the target. */
  connectTimeoutMs: 10_000,
  /** A tunnel with no bytes in either direction for this long is closed (4002). */
  idleTimeoutMs: 300_000,
  /** A tunnel older than this is closed (4003). */
  maxLifetimeMs: 900_000,
  /** Bytes relayed per tunnel, both directions together, before it is closed (4004). */
  maxBytesPerConnection: 64 * 1024 * 1024,
  /** Largest WebSocket message (1009 beyond). */
  maxPayloadBytes: TUNNEL_MAX_PAYLOAD_BYTES,
  /** Most fragments in one WebSocket message (ws >= 8.21; 1008 beyond). */
  maxFragments: 256,
  /** Bytes held per direction before reading from the other side pauses. */
  maxBufferedBytes: TUNNEL_MAX_BUFFERED_BYTES,
  /** A ping every interval; a client that has not answered the previous one is dropped. */
  heartbeatIntervalMs: 30_000,
  /** On SIGTERM, open tunnels get this long to finish before they are closed with 4005. */
  shutdownTimeoutMs: 10_000,
} as const;

export function describeTunnelClose(code: number): string {
  switch (code) {
    case TUNNEL_CLOSE.NORMAL: return 'closed normally';
    case TUNNEL_CLOSE.UNSUPPORTED_DATA: return 'text frames are not accepted';
    case TUNNEL_CLOSE.POLICY_VIOLATION: return 'a message was split into too many fragments';
    case TUNNEL_CLOSE.MESSAGE_TOO_BIG: return 'a message was too large for the bridge';
    case TUNNEL_CLOSE.TARGET_UNREACHABLE: return 'the bridge could not reach the MyProxy server';
    case TUNNEL_CLOSE.TARGET_ERROR: return 'the connection from the bridge to the MyProxy server failed';
    case TUNNEL_CLOSE.IDLE_TIMEOUT: return 'the tunnel was idle too long';
    case TUNNEL_CLOSE.LIFETIME_EXCEEDED: return 'the tunnel lived too long';
    case TUNNEL_CLOSE.LIMIT_EXCEEDED: return 'a tunnel limit was exceeded';
    case TUNNEL_CLOSE.SHUTDOWN: return 'the bridge is shutting down';
    case 1006: return 'the connection to the bridge was lost';
    default: return `closed with code ${code}`;
  }
}
