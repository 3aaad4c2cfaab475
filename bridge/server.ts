/**
 * The bridge's HTTP(S) server: checks each upgrade request (upgrade.ts, admission.ts),
 * then hands accepted WebSockets to a relay (relay.ts) connected to the route's fixed
 * target. Also answers /healthz and /metrics (endpoints.ts).
 *
 * Every check happens in the HTTP 'upgrade' handler, before the WebSocket is accepted.
 * Slow or half-sent requests are dropped after `upgradeTimeoutMs`: Node only looks every
 * `connectionsCheckingInterval`, so that interval is set to a fraction of the timeout.
 * Shutdown (close()) stops accepting, lets tunnels finish for `drainMs`, then closes the
 * rest with 4005 and drops any still open a few seconds later.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { TUNNEL_CLOSE, TUNNEL_SUBPROTOCOL } from '../shared/tunnel.js';
import { importTunnelTokenKey } from '../shared/tunnel-token.js';
import { clientIp, createAdmission } from './admission.js';
import { formatHostPort, resolveConfig, type BridgeConfig, type BridgeConfigInput, type HostPort } from './config.js';
import { handleRequest, refuseSocket } from './endpoints.js';
import { createHealthCheck } from './health.js';
import { stdoutLogger, type BridgeLogger, type UpgradeRejectedReason } from './log.js';
import { createMetrics } from './metrics.js';
import { startRelay, timerSweepMs, type RelaySettings, type Tunnel, type TunnelSnapshot } from './relay.js';
import { readTlsFiles } from './tls.js';
import { decideUpgrade, type UpgradePolicy } from './upgrade.js';

/** Injection points, for tests and embedding. */
export interface BridgeHooks {
  /** Receives every log record; default: one JSON line on stdout. */
  readonly log?: BridgeLogger;
  /** Opens the TCP connection to the target; default: `net.connect`. */
  readonly connect?: (target: HostPort) => Socket;
}

export interface BridgeCloseOptions {
  /** Time open tunnels get to finish before they are closed with 4005 (default 0). */
  readonly drainMs?: number;
}

export interface BridgeHandle {
  /** `ws://host:port` (or `wss://`) of the listening socket. */
  readonly url: string;
  readonly port: number;
  readonly config: BridgeConfig;
  /** Stops accepting, closes every tunnel with 4005 (after `drainMs`) and resolves when all are closed. */
  close(options?: BridgeCloseOptions): Promise<void>;
  /** Re-reads the TLS certificate and key (SIGHUP); rejects, keeping the old ones, on failure. */
  reloadTls(): Promise<void>;
  /** The open tunnels, for tests and operators. */
  tunnels(): TunnelSnapshot[];
  /** The /metrics text. */
  metrics(): string;
}

/** After the drain, tunnels still open this long after their 4005 are dropped without a closing handshake. */
const SHUTDOWN_GRACE_MS = 3_000;
/** Connections beyond maxConnections allowed for handshakes in progress, /healthz and /metrics. */
const HANDSHAKE_HEADROOM = 128;

/**
 * 'error' handler for upgrade sockets. A module-level function, not a closure: a closure
 * made in the 'upgrade' handler would keep that request (headers and all) alive for as long
 * as the tunnel is open.
 */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

export async function startBridge(input: BridgeConfigInput, hooks: BridgeHooks = {}): Promise<BridgeHandle> {
  const config = resolveConfig(input);
  const log = hooks.log ?? stdoutLogger;
  const openTarget = hooks.connect ?? ((t: HostPort) => netConnect({ host: t.host, port: t.port }));
  const metrics = createMetrics();
  const admission = createAdmission(config);
  const trusted = new Set(config.trustProxy);
  const policy: UpgradePolicy = {
    allowedOrigins: new Set(config.allowedOrigins),
    ...(config.target && { target: config.target }),
    routes: new Map(config.routes.map((r) => [r.path, r.target])),
    ...(config.tokenSecret !== undefined && { tokenKey: await importTunnelTokenKey(config.tokenSecret) }),
    admission,
  };
  const health = createHealthCheck(config.target ? [config.target] : config.routes.map((r) => r.target), Math.min(config.connectTimeoutMs, 5_000));
  const tunnels = new Map<string, Tunnel>();
  const tunnelsDone = new Set<() => void>();
  let stopping = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxPayloadBytes,
    maxFragments: config.maxFragments,
    perMessageDeflate: false,
    clientTracking: false,
    closeTimeout: SHUTDOWN_GRACE_MS,
    handleProtocols: (offered) => (offered.has(TUNNEL_SUBPROTOCOL) ? TUNNEL_SUBPROTOCOL : false),
  } as ConstructorParameters<typeof WebSocketServer>[0]);

  const httpOptions = {
    headersTimeout: config.upgradeTimeoutMs,
    requestTimeout: config.upgradeTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(config.upgradeTimeoutMs / 4))),
    keepAliveTimeout: 5_000,
  };
  const onRequest = (req: IncomingMessage, res: import('node:http').ServerResponse): void =>
    handleRequest(req, res, { health, metrics: () => metrics.render(tunnels.size), stopping: () => stopping });
  const server: Server | HttpsServer = config.tls
    ? createHttpsServer({ ...httpOptions, ...(await readTlsFiles(config.tls)), handshakeTimeout: config.upgradeTimeoutMs }, onRequest)
    : createHttpServer(httpOptions, onRequest);
  server.maxConnections = config.maxConnections + HANDSHAKE_HEADROOM;
  server.on('drop', () => metrics.rejected('server_full'));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    metrics.rejected(timedOut ? 'upgrade_timeout' : 'bad_request');
    refuseSocket(socket, timedOut ? 408 : 400);
  });
  server.on('tlsClientError', (_err: Error, socket: Duplex) => {
    metrics.rejected('tls_handshake');
    socket.destroy();
  });

  function reject(req: IncomingMessage, socket: Duplex, ip: string, status: number, reason: UpgradeRejectedReason, detail?: string): void {
    const origin = req.headers.origin;
    metrics.rejected(reason);
    log({
      event: 'upgrade_rejected',
      time: new Date().toISOString(),
      ip,
      ...(origin !== undefined && { origin }),
      status,
      reason,
      ...(detail !== undefined && { detail }),
    });
    refuseSocket(socket, status);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', destroyOnError);
    const ip = clientIp(req, trusted);
    if (stopping) return reject(req, socket, ip, 503, 'shutting_down');
    decideUpgrade(req, ip, policy).then(
      (decision) => {
        if (!decision.ok) return reject(req, socket, ip, decision.status, decision.reason, decision.detail);
        if (stopping) return reject(req, socket, ip, 503, 'shutting_down');
        if (socket.destroyed) return;
        const slot = admission.acquire(ip);
        if ('status' in slot) return reject(req, socket, ip, slot.status, slot.reason);
        // The raw socket closes however the handshake or the tunnel ends: release there.
        socket.once('close', slot.release);
        // ws answers malformed handshakes (bad version, key, ...) with 400 itself.
        wss.handleUpgrade(req, socket, head, (ws: WebSocket) => accept(ws, ip, decision.origin, decision.route, decision.target));
      },
      () => {
        metrics.error('http');
        socket.destroy();
      },
    );
  });

  const relaySettings: RelaySettings = {
    connectTimeoutMs: config.connectTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    maxLifetimeMs: config.maxLifetimeMs,
    maxBytes: config.maxBytesPerConnection,
    onBytes: metrics.bytes,
    onClosed: (record) => {
      tunnels.delete(record.id);
      metrics.tunnelClosed(record.reason);
      log(record);
      if (tunnels.size === 0) for (const done of tunnelsDone) done();
    },
  };

  function accept(ws: WebSocket, ip: string, origin: string, route: string, target: HostPort): void {
    const id = randomUUID().slice(0, 8);
    let socket: Socket;
    try {
      socket = openTarget(target);
    } catch {
      // Only a broken connect hook throws; net.connect reports failures as 'error' events.
      ws.close(TUNNEL_CLOSE.TARGET_UNREACHABLE, 'target unreachable');
      return;
    }
    metrics.tunnelOpened();
    const tunnel = startRelay(ws, socket, { id, ip, origin, route }, relaySettings);
    tunnels.set(id, tunnel);
    if (stopping) tunnel.close('shutdown');
  }

  // Two intervals for all tunnels together (no per-tunnel timers): heartbeats, and the
  // connect / idle / lifetime deadlines.
  const heartbeat = setInterval(() => {
    for (const tunnel of tunnels.values()) tunnel.heartbeat();
  }, config.heartbeatIntervalMs);
  heartbeat.unref();
  const timerSweep = setInterval(() => {
    const now = performance.now();
    for (const tunnel of tunnels.values()) tunnel.checkTimers(now);
  }, timerSweepMs(relaySettings));
  timerSweep.unref();

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.listen.port, config.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(heartbeat);
    clearInterval(timerSweep);
    admission.stop();
    throw err;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `${config.tls ? 'wss' : 'ws'}://${formatHostPort({ host: config.listen.host, port })}`;

  async function close(drainMs: number): Promise<void> {
    stopping = true;
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // plain HTTP connections; upgraded sockets belong to tunnels
    const allTunnelsClosed = new Promise<void>((resolve) => {
      if (tunnels.size === 0) return resolve();
      tunnelsDone.add(resolve);
    });
    if (drainMs > 0) {
      let drainTimer: NodeJS.Timeout | undefined;
      await Promise.race([allTunnelsClosed, new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, drainMs)))]);
      clearTimeout(drainTimer);
    }
    for (const tunnel of tunnels.values()) tunnel.close('shutdown');
    const grace = setTimeout(() => {
      for (const tunnel of tunnels.values()) tunnel.destroy();
    }, SHUTDOWN_GRACE_MS);
    await allTunnelsClosed;
    clearTimeout(grace);
    await serverClosed;
    clearInterval(heartbeat);
    clearInterval(timerSweep);
    admission.stop();
    wss.close();
  }

  async function reloadTls(): Promise<void> {
    if (!config.tls) throw new Error('TLS is not configured (--tls-cert/--tls-key)');
    try {
      (server as HttpsServer).setSecureContext(await readTlsFiles(config.tls));
    } catch (err) {
      metrics.error('tls_reload');
      log({ event: 'tls_reload_failed', time: new Date().toISOString(), reason: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    log({ event: 'tls_reloaded', time: new Date().toISOString() });
  }

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    config,
    close: (options = {}) => (closed ??= close(options.drainMs ?? 0)),
    reloadTls,
    tunnels: () => [...tunnels.values()].map((t) => t.snapshot()),
    metrics: () => metrics.render(tunnels.size),
  };
}
