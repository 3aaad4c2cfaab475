/**
 * One tunnel: an accepted WebSocket and the TCP connection to the target.
 *
 * Bytes are copied unchanged in both directions (binary frames <-> TCP stream); the bridge
 * never looks inside them. Flow control keeps at most about `maxBufferedBytes` (+ one
 * chunk) held per direction:
 *   - target -> client: a chunk that would take `ws.bufferedAmount` past the limit is sent
 *     with a callback and the TCP socket is paused; the callback (that chunk, and so
 *     everything before it, has reached the kernel) resumes it. Other chunks are sent
 *     without a callback.
 *   - client -> target: messages that arrive in one read are written with one system call
 *     (see flushBatches). When the socket holds more than half the limit the WebSocket is
 *     paused (`ws.pause()` stops reading its socket); 'drain' resumes it. What ws has
 *     already read when it pauses (at most one read plus one message of `maxPayload`)
 *     comes on top, which keeps the total under the limit. Writes made while the TCP
 *     connection is still being established are queued by the socket in order and
 *     bounded the same way.
 * Limits: connect timeout, idle timeout and lifetime are deadlines checked by
 * `checkTimers()`, which the server calls for every tunnel on one shared interval
 * (`timerSweepMs()`), so a tunnel owns no timers; relayed bytes only record a timestamp.
 * A byte allowance (both directions together) and heartbeat(), called by the server on
 * another shared interval: a client that has not answered the previous ping is dropped.
 * Teardown is idempotent: `close(reason)` runs once, picks the WebSocket close code and
 * how the TCP side ends, and the log record is emitted when both sides have closed.
 *
 * Memory: an idle tunnel is one small object. The event handlers are module-level
 * functions shared by every tunnel; they find their tunnel through a symbol-keyed
 * property on the WebSocket and on the socket.
 */
import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import { TUNNEL_CLOSE } from '../shared/tunnel.js';
import type { TunnelClosedRecord, TunnelCloseReason } from './log.js';

/** How long a TCP socket ended after the client left may linger before it is destroyed. */
const TARGET_LINGER_MS = 5_000;

/** Settings shared by every tunnel of a bridge (one object, not one per tunnel). */
export interface RelaySettings {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly maxLifetimeMs: number;
  readonly maxBytes: number;
  /** Called for every chunk relayed (for metrics). */
  readonly onBytes?: (direction: 'up' | 'down', count: number) => void;
  /** Called once per tunnel, after both the WebSocket and the TCP socket have closed. */
  readonly onClosed: (record: TunnelClosedRecord) => void;
}

/** Who a tunnel belongs to, for the log. */
export interface TunnelInfo {
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
  /** The route path ('*' in single-target mode). */
  readonly route: string;
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
  /** Closes the tunnel if its connect, idle or lifetime deadline has passed (`now`: performance.now()). */
  checkTimers(now: number): void;
  snapshot(): TunnelSnapshot;
}

/**
 * How often the server should call checkTimers(): a tenth of the shortest of the three
 * timeouts, between 10 ms and 1 s. A deadline is acted on at most this much late.
 */
export function timerSweepMs(settings: Pick<RelaySettings, 'connectTimeoutMs' | 'idleTimeoutMs' | 'maxLifetimeMs'>): number {
  const shortest = Math.min(settings.connectTimeoutMs, settings.idleTimeoutMs, settings.maxLifetimeMs);
  return Math.max(10, Math.min(1_000, Math.floor(shortest / 10)));
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

const SEND_BINARY = { binary: true } as const;

function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

// --- shared event handlers: `this` is the emitter, which carries its tunnel -------------
const kRelay = Symbol('myproxy-bridge.relay');
interface Tagged {
  [kRelay]: Relay;
}
const relayOf = (emitter: object): Relay => (emitter as Tagged)[kRelay];

function onTargetConnect(this: Socket): void {
  relayOf(this).connected = true;
}
function onTargetData(this: Socket, chunk: Buffer): void {
  relayOf(this).fromTarget(chunk);
}
function onTargetEnd(this: Socket): void {
  relayOf(this).close('target_closed');
}
function onTargetError(this: Socket, err: Error): void {
  const relay = relayOf(this);
  relay.error ??= errorCode(err);
  relay.close(relay.connected ? 'target_error' : 'target_unreachable');
}
function onTargetClose(this: Socket): void {
  relayOf(this).targetClosed();
}
function onTargetDrain(this: Socket): void {
  relayOf(this).targetDrained();
}
function onClientMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  relayOf(this).fromClient(data, isBinary);
}
function onClientPong(this: WebSocket): void {
  relayOf(this).awaitingPong = false;
}
function onClientError(this: WebSocket, err: Error): void {
  const relay = relayOf(this);
  relay.error ??= errorCode(err);
  relay.close('client_error');
}
function onClientClose(this: WebSocket, code: number): void {
  relayOf(this).clientClosed(code);
}
/**
 * Tunnels that have written a client message to their target in the current read. ws emits
 * every message of one read synchronously; the first is written at once, later ones are
 * corked and written together (one system call) when the microtask queue runs, right after
 * the read's callback returns. A promise reaction rather than process.nextTick or
 * queueMicrotask (which allocates an AsyncResource per call): this runs once per read.
 */
const batching: Relay[] = [];
let batched = 0;
const resolved = Promise.resolve();
function flushBatches(): void {
  for (let i = 0; i < batched; i++) {
    const relay = batching[i]!;
    batching[i] = undefined!; // don't keep a closed tunnel reachable
    relay.batching = false;
    if (relay.corked) {
      relay.corked = false;
      relay.socket.uncork();
    }
  }
  batched = 0;
}
function lingerExpired(socket: Socket): void {
  socket.destroy();
}

class Relay implements Tunnel {
  readonly id: string;
  readonly ip: string;
  readonly origin: string;
  readonly route: string;
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly settings: RelaySettings;
  readonly startedAt: number;
  /** performance.now() of the last relayed chunk (or of the start). */
  lastActivity: number;
  bytesUp = 0;
  bytesDown = 0;
  connected = false;
  targetPaused = false;
  clientPaused = false;
  /** A client message was written to the target in the current read (see flushBatches). */
  batching = false;
  /** The target socket is corked until flushBatches() runs. */
  corked = false;
  awaitingPong = false;
  wsClosed = false;
  socketClosed = false;
  reported = false;
  closing: TunnelCloseReason | undefined = undefined;
  error: string | undefined = undefined;
  clientCloseCode: number | undefined = undefined;
  lingerTimer: NodeJS.Timeout | undefined = undefined;

  constructor(ws: WebSocket, socket: Socket, info: TunnelInfo, settings: RelaySettings) {
    this.id = info.id;
    this.ip = info.ip;
    this.origin = info.origin;
    this.route = info.route;
    this.ws = ws;
    this.socket = socket;
    this.settings = settings;
    this.startedAt = this.lastActivity = performance.now();
    (ws as unknown as Tagged)[kRelay] = this;
    (socket as unknown as Tagged)[kRelay] = this;
    // Small writes (TLS records of a handshake) must not wait for Nagle; ws does the same
    // on the client's socket.
    socket.setNoDelay(true);
    socket.on('connect', onTargetConnect);
    socket.on('data', onTargetData);
    socket.on('end', onTargetEnd);
    socket.on('error', onTargetError);
    socket.on('close', onTargetClose);
    socket.on('drain', onTargetDrain);
    ws.on('message', onClientMessage);
    ws.on('pong', onClientPong);
    ws.on('error', onClientError);
    ws.on('close', onClientClose);
  }

  /** Counts relayed bytes; false when the allowance is used up (the tunnel is then closing). */
  private account(direction: 'up' | 'down', count: number): boolean {
    if (direction === 'up') this.bytesUp += count;
    else this.bytesDown += count;
    if (this.bytesUp + this.bytesDown > this.settings.maxBytes) {
      this.close('byte_limit');
      return false;
    }
    this.lastActivity = performance.now();
    this.settings.onBytes?.(direction, count);
    return true;
  }

  // --- target -> client -------------------------------------------------------------
  fromTarget(chunk: Buffer): void {
    const ws = this.ws;
    if (this.closing || ws.readyState !== WebSocket.OPEN) return; // torn down: discard
    if (!this.account('down', chunk.length)) return;
    if (ws.bufferedAmount + chunk.length <= this.settings.maxBufferedBytes) {
      ws.send(chunk, SEND_BINARY);
      return;
    }
    // This chunk fills the client's buffer: stop reading the target until it is written.
    this.targetPaused = true;
    this.socket.pause();
    ws.send(chunk, SEND_BINARY, (err?: Error) => this.clientDrained(err));
  }

  private clientDrained(err: Error | undefined): void {
    if (err || !this.targetPaused || this.closing) return;
    this.targetPaused = false;
    this.socket.resume();
  }

  // --- client -> target -------------------------------------------------------------
  fromClient(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    if (!isBinary) return this.close('text_frame');
    const bytes = toBuffer(data);
    if (!this.account('up', bytes.length)) return;
    const socket = this.socket;
    if (!this.batching) {
      this.batching = true;
      batching[batched++] = this;
      if (batched === 1) void resolved.then(flushBatches);
    } else if (!this.corked) {
      this.corked = true;
      socket.cork();
    }
    socket.write(bytes);
    if (!this.clientPaused && socket.writableLength > this.settings.maxBufferedBytes / 2) {
      this.clientPaused = true;
      this.ws.pause();
    }
  }

  targetDrained(): void {
    if (!this.clientPaused || this.closing) return;
    this.clientPaused = false;
    this.ws.resume();
  }

  // --- both sides closed -> report --------------------------------------------------
  targetClosed(): void {
    this.socketClosed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.close(this.connected ? 'target_closed' : 'target_unreachable');
    this.report();
  }

  clientClosed(code: number): void {
    this.wsClosed = true;
    this.clientCloseCode = code;
    this.close('client_closed');
    this.report();
  }

  // --- limits -----------------------------------------------------------------------
  checkTimers(now: number): void {
    if (this.closing) return;
    const s = this.settings;
    // Of the deadlines that have passed, the earliest one is the reason.
    const idle = this.lastActivity + s.idleTimeoutMs;
    const lifetime = this.startedAt + s.maxLifetimeMs;
    const connect = this.connected ? Infinity : this.startedAt + s.connectTimeoutMs;
    const first = Math.min(idle, lifetime, connect);
    if (first > now) return;
    this.close(first === connect ? 'connect_timeout' : first === idle ? 'idle_timeout' : 'lifetime_exceeded');
  }

  heartbeat(): void {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return;
    // While we are not reading the client (the target is slow) its pong cannot be seen.
    if (this.clientPaused) return;
    if (this.awaitingPong) return this.close('heartbeat_timeout');
    this.awaitingPong = true;
    this.ws.ping();
  }

  // --- teardown ---------------------------------------------------------------------
  close(reason: TunnelCloseReason): void {
    if (this.closing) return;
    this.closing = reason;
    const { ws, socket } = this;

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
    } else if (reason === 'client_closed' && this.connected) {
      // Deliver what the client already sent, then FIN; don't wait forever for the target.
      socket.end();
      socket.resume(); // discard anything the target still sends so its FIN is seen
      this.lingerTimer = setTimeout(lingerExpired, TARGET_LINGER_MS, socket);
    } else {
      socket.destroy();
    }
  }

  destroy(): void {
    this.close('shutdown');
    this.ws.terminate();
    this.socket.destroy();
  }

  private report(): void {
    if (this.reported || !this.wsClosed || !this.socketClosed) return;
    this.reported = true;
    const reason = this.closing ?? 'client_closed';
    const clientStarted = reason === 'client_closed' || reason === 'client_error';
    this.settings.onClosed({
      event: 'tunnel_closed',
      time: new Date().toISOString(),
      id: this.id,
      ip: this.ip,
      origin: this.origin,
      route: this.route,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      durationMs: Math.round(performance.now() - this.startedAt),
      reason,
      code: clientStarted ? (this.clientCloseCode ?? 1006) : CLOSE_CODE[reason],
      ...(this.error !== undefined && { error: this.error }),
    });
  }

  snapshot(): TunnelSnapshot {
    return {
      id: this.id,
      ip: this.ip,
      origin: this.origin,
      route: this.route,
      connected: this.connected,
      closing: this.closing,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      bufferedToClient: this.ws.bufferedAmount,
      bufferedToTarget: this.socket.writableLength,
      targetPaused: this.targetPaused,
      clientPaused: this.clientPaused,
    };
  }
}

/**
 * Starts relaying between an open WebSocket and a TCP socket (connecting or connected).
 * The caller must call `checkTimers()` every `timerSweepMs(settings)` and `heartbeat()`
 * every heartbeat interval.
 */
export function startRelay(ws: WebSocket, socket: Socket, info: TunnelInfo, settings: RelaySettings): Tunnel {
  return new Relay(ws, socket, info, settings);
}
