/**
 * One tunnel: an accepted WebSocket and the TCP connection to the target.
 *
 * Bytes are copied unchanged in both directions (binary frames <-> TCP stream); the bridge
 * never looks inside them. Flow control keeps at most about `maxBufferedBytes` (+ one
 * chunk) held per direction:
 *   - target -> client: after each `ws.send`, if `ws.bufferedAmount` exceeds the limit the
 *     TCP socket is paused; send callbacks resume it once the buffer is below half.
 *   - client -> target: when `socket.write()` returns false the WebSocket is paused
 *     (`ws.pause()` stops reading its socket); 'drain' resumes it. Writes made while the
 *     TCP connection is still being established are queued by the socket in order and
 *     bounded the same way.
 * Limits: an idle timer (refreshed by relayed bytes), a lifetime timer, a byte allowance
 * (both directions together) and heartbeat(), called by the server on one shared interval:
 * a client that has not answered the previous ping is dropped.
 * Teardown is idempotent: `close(reason)` runs once, picks the WebSocket close code and
 * how the TCP side ends, and the log record is emitted when both sides have closed.
 */
import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import { TUNNEL_CLOSE } from '../shared/tunnel.js';
import type { TunnelClosedRecord, TunnelCloseReason } from './log.js';

/** How long a TCP socket ended after the client left may linger before it is destroyed. */
const TARGET_LINGER_MS = 5_000;

export interface RelayOptions {
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
  /** The route path ('*' in single-target mode), for the log. */
  readonly route: string;
  /** The accepted WebSocket (readyState OPEN). */
  readonly ws: WebSocket;
  /** The TCP socket to the target, connecting or connected. */
  readonly socket: Socket;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly maxLifetimeMs: number;
  readonly maxBytes: number;
  /** Called for every chunk relayed (for metrics). */
  readonly onBytes?: (direction: 'up' | 'down', count: number) => void;
  /** Called once, after both the WebSocket and the TCP socket have closed. */
  readonly onClosed: (record: TunnelClosedRecord) => void;
}

/** A point-in-time view of a tunnel, for tests and operators. */
export interface TunnelSnapshot {
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
  readonly route: string;
  readonly connected: boolean;
  readonly closing: TunnelCloseReason | undefined;
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Bytes accepted from the target but not yet written to the client's socket. */
  readonly bufferedToClient: number;
  /** Bytes accepted from the client but not yet written to the target's socket. */
  readonly bufferedToTarget: number;
  /** Reading from the target is paused because the client is slow. */
  readonly targetPaused: boolean;
  /** Reading from the client is paused because the target is slow. */
  readonly clientPaused: boolean;
}

export interface Tunnel {
  readonly id: string;
  /** Starts teardown with `reason`; later calls do nothing. */
  close(reason: TunnelCloseReason): void;
  /** Drops both connections at once (used when a graceful close takes too long). */
  destroy(): void;
  /** Sends a ping, or drops the client if the previous one was not answered. */
  heartbeat(): void;
  snapshot(): TunnelSnapshot;
}

/** The close code the bridge sends for each reason it initiates. */
const CLOSE_CODE: Record<TunnelCloseReason, number> = {
  client_closed: TUNNEL_CLOSE.NORMAL,
  client_error: TUNNEL_CLOSE.NORMAL,
  text_frame: TUNNEL_CLOSE.UNSUPPORTED_DATA,
  target_closed: TUNNEL_CLOSE.NORMAL,
  target_error: TUNNEL_CLOSE.TARGET_ERROR,
  target_unreachable: TUNNEL_CLOSE.TARGET_UNREACHABLE,
  connect_timeout: TUNNEL_CLOSE.TARGET_UNREACHABLE,
  idle_timeout: TUNNEL_CLOSE.IDLE_TIMEOUT,
  lifetime_exceeded: TUNNEL_CLOSE.LIFETIME_EXCEEDED,
  byte_limit: TUNNEL_CLOSE.LIMIT_EXCEEDED,
  heartbeat_timeout: 1006,
  shutdown: TUNNEL_CLOSE.SHUTDOWN,
};

/** Short close reasons sent to the client (at most 123 bytes; no internal detail). */
const CLOSE_TEXT: Record<TunnelCloseReason, string> = {
  client_closed: '',
  client_error: '',
  text_frame: 'binary frames only',
  target_closed: '',
  target_error: 'target connection failed',
  target_unreachable: 'target unreachable',
  connect_timeout: 'target connect timeout',
  idle_timeout: 'idle timeout',
  lifetime_exceeded: 'maximum lifetime reached',
  byte_limit: 'byte limit reached',
  heartbeat_timeout: '',
  shutdown: 'bridge shutting down',
};

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function startRelay(options: RelayOptions): Tunnel {
  const { ws, socket, maxBufferedBytes } = options;
  const startedAt = performance.now();
  let bytesUp = 0;
  let bytesDown = 0;
  let connected = false;
  let targetPaused = false;
  let clientPaused = false;
  let closing: TunnelCloseReason | undefined;
  let error: string | undefined;
  let clientCloseCode: number | undefined;
  let wsClosed = false;
  let socketClosed = false;
  let reported = false;
  let lingerTimer: NodeJS.Timeout | undefined;

  const connectTimer = setTimeout(() => close('connect_timeout'), options.connectTimeoutMs);
  const idleTimer = setTimeout(() => close('idle_timeout'), options.idleTimeoutMs);
  const lifetimeTimer = setTimeout(() => close('lifetime_exceeded'), options.maxLifetimeMs);
  let awaitingPong = false;
  ws.on('pong', () => (awaitingPong = false));

  /** Counts relayed bytes; false when the allowance is used up (the tunnel is then closing). */
  const account = (direction: 'up' | 'down', count: number): boolean => {
    if (direction === 'up') bytesUp += count;
    else bytesDown += count;
    if (bytesUp + bytesDown > options.maxBytes) {
      close('byte_limit');
      return false;
    }
    idleTimer.refresh();
    options.onBytes?.(direction, count);
    return true;
  };

  // --- target -> client ---------------------------------------------------------------
  const onSent = (err?: Error): void => {
    if (err || !targetPaused || closing) return;
    if (ws.bufferedAmount <= maxBufferedBytes / 2) {
      targetPaused = false;
      socket.resume();
    }
  };

  socket.on('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
  });
  socket.on('data', (chunk: Buffer) => {
    if (closing || ws.readyState !== WebSocket.OPEN) return; // torn down: discard
    if (!account('down', chunk.length)) return;
    ws.send(chunk, { binary: true }, onSent);
    if (!targetPaused && ws.bufferedAmount > maxBufferedBytes) {
      targetPaused = true;
      socket.pause();
    }
  });
  socket.on('end', () => close('target_closed'));
  socket.on('error', (err) => {
    error ??= errorCode(err);
    close(connected ? 'target_error' : 'target_unreachable');
  });
  socket.on('close', () => {
    socketClosed = true;
    if (lingerTimer) clearTimeout(lingerTimer);
    close(connected ? 'target_closed' : 'target_unreachable');
    report();
  });

  // --- client -> target ---------------------------------------------------------------
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closing) return;
    if (!isBinary) return close('text_frame');
    const bytes = toBuffer(data);
    if (!account('up', bytes.length)) return;
    if (!socket.write(bytes) && !clientPaused) {
      clientPaused = true;
      ws.pause();
    }
  });
  socket.on('drain', () => {
    if (!clientPaused || closing) return;
    clientPaused = false;
    ws.resume();
  });
  ws.on('error', (err) => {
    error ??= errorCode(err);
    close('client_error');
  });
  ws.on('close', (code: number) => {
    wsClosed = true;
    clientCloseCode = code;
    close('client_closed');
    report();
  });

  // --- teardown -----------------------------------------------------------------------
  function close(reason: TunnelCloseReason): void {
    if (closing) return;
    closing = reason;
    clearTimeout(connectTimer);
    clearTimeout(idleTimer);
    clearTimeout(lifetimeTimer);

    if (reason === 'heartbeat_timeout') {
      // The client is gone or not reading: no closing handshake to wait for.
      ws.terminate();
      socket.destroy();
      return;
    }
    // WebSocket side: the client started the close (or the socket failed) -> nothing to
    // send; otherwise send our code after any data already queued by ws.send.
    if (reason !== 'client_closed' && reason !== 'client_error' && ws.readyState === WebSocket.OPEN) {
      ws.close(CLOSE_CODE[reason], CLOSE_TEXT[reason]);
    }
    ws.resume(); // let the closing handshake be read even if we had paused the client

    // TCP side.
    if (reason === 'target_closed') {
      // The target sent FIN; Node ends our side too (allowHalfOpen is false).
    } else if (reason === 'client_closed' && connected) {
      // Deliver what the client already sent, then FIN; don't wait forever for the target.
      socket.end();
      socket.resume(); // discard anything the target still sends so its FIN is seen
      lingerTimer = setTimeout(() => socket.destroy(), TARGET_LINGER_MS);
    } else {
      socket.destroy();
    }
  }

  function destroy(): void {
    close('shutdown');
    ws.terminate();
    socket.destroy();
  }

  function heartbeat(): void {
    if (closing || ws.readyState !== WebSocket.OPEN) return;
    // While we are not reading the client (the target is slow) its pong cannot be seen.
    if (clientPaused) return;
    if (awaitingPong) return close('heartbeat_timeout');
    awaitingPong = true;
    ws.ping();
  }

  function report(): void {
    if (reported || !wsClosed || !socketClosed) return;
    reported = true;
    const reason = closing ?? 'client_closed';
    const clientStarted = reason === 'client_closed' || reason === 'client_error';
    options.onClosed({
      event: 'tunnel_closed',
      time: new Date().toISOString(),
      id: options.id,
      ip: options.ip,
      origin: options.origin,
      route: options.route,
      bytesUp,
      bytesDown,
      durationMs: Math.round(performance.now() - startedAt),
      reason,
      code: clientStarted ? (clientCloseCode ?? 1006) : CLOSE_CODE[reason],
      ...(error !== undefined && { error }),
    });
  }

  return {
    id: options.id,
    close,
    destroy,
    heartbeat,
    snapshot: () => ({
      id: options.id,
      ip: options.ip,
      origin: options.origin,
      route: options.route,
      connected,
      closing,
      bytesUp,
      bytesDown,
      bufferedToClient: ws.bufferedAmount,
      bufferedToTarget: socket.writableLength,
      targetPaused,
      clientPaused,
    }),
  };
}
