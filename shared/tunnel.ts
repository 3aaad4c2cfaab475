/**
 * Constants shared by the page (client side of the tunnel) and myproxy-bridge.
 * The tunnel carries raw TLS bytes in binary WebSocket frames; nothing else.
 */

/** WebSocket subprotocol offered by the page and echoed by the bridge (websockify-compatible). */
export const TUNNEL_SUBPROTOCOL = 'binary';

/** Close codes used by the bridge (RFC 6455 §7.4.2: 4000-4999 are for applications). */
export const TUNNEL_CLOSE = {
  /** Normal end: the target closed its side, or the client did. */
  NORMAL: 1000,
  /** A text frame arrived; the tunnel carries binary frames only. */
  UNSUPPORTED_DATA: 1003,
  /** The configured target could not be reached. */
  TARGET_UNREACHABLE: 4000,
  /** The target connection failed after it was established. */
  TARGET_ERROR: 4001,
  /** No traffic for longer than the idle timeout. */
  IDLE_TIMEOUT: 4002,
  /** The tunnel lived longer than its maximum lifetime. */
  LIFETIME_EXCEEDED: 4003,
  /** A per-connection limit (bytes, buffer) was exceeded. */
  LIMIT_EXCEEDED: 4004,
  /** The bridge is shutting down. */
  SHUTDOWN: 4005,
} as const;

export type TunnelCloseCode = (typeof TUNNEL_CLOSE)[keyof typeof TUNNEL_CLOSE];

/** Most bytes either direction may hold buffered before reading from the other side pauses. */
export const TUNNEL_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Largest WebSocket message the bridge accepts (TLS records are at most 16 KiB + overhead). */
export const TUNNEL_MAX_PAYLOAD_BYTES = 256 * 1024;

export function describeTunnelClose(code: number): string {
  switch (code) {
    case TUNNEL_CLOSE.NORMAL: return 'closed normally';
    case TUNNEL_CLOSE.UNSUPPORTED_DATA: return 'text frames are not accepted';
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
