/**
 * myproxy-bridge configuration: the resolved shape, defaults and validation.
 *
 * Everything is checked at start-up with a message naming the flag, so a bad deployment
 * fails before it accepts a single connection. Errors are MyProxyWebError('BAD_INPUT');
 * the CLI prints the message and exits with status 2. Flags, environment and the JSON
 * file are read by options.ts, which produces a BridgeConfigInput for resolveConfig().
 */
import { MyProxyWebError } from '../shared/errors.js';
import { TUNNEL_LIMITS } from '../shared/tunnel.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A named route: WebSocket requests for exactly `path` are relayed to `target`. */
export interface Route {
  readonly path: string;
  readonly target: HostPort;
}

export interface TlsFiles {
  /** PEM certificate chain, re-read on SIGHUP / reloadTls(). */
  readonly certFile: string;
  /** PEM private key, re-read with the certificate. */
  readonly keyFile: string;
}

/** Numeric limits; every one has a default in TUNNEL_LIMITS (shared/tunnel.ts). */
export interface BridgeLimits {
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxBufferedBytes: number;
  readonly maxPayloadBytes: number;
  readonly maxFragments: number;
  readonly maxLifetimeMs: number;
  readonly maxBytesPerConnection: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  readonly connectionsPerIpPerMinute: number;
  readonly upgradeTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly shutdownTimeoutMs: number;
}

export interface BridgeConfig extends BridgeLimits {
  /** The one TCP endpoint every tunnel connects to, whatever the path (single-target mode). */
  readonly target?: HostPort;
  /** Path -> target (routes mode); a path not listed gets 404. Empty in single-target mode. */
  readonly routes: readonly Route[];
  /** Where the bridge listens for WebSocket upgrades; port 0 picks a free port. */
  readonly listen: HostPort;
  /** Exact `Origin` header values allowed to open a tunnel (scheme://host[:port]). */
  readonly allowedOrigins: readonly string[];
  /** When set, every upgrade must carry a valid gateway token (shared/tunnel-token.ts). */
  readonly tokenSecret?: string;
  /** Serve wss:// with these files; plain ws:// when absent. */
  readonly tls?: TlsFiles;
  /** Proxy addresses whose X-Forwarded-For is believed; empty: the peer address is the client. */
  readonly trustProxy: readonly string[];
}

/** The fields a caller must give (a target or routes, and origins); everything else has a default. */
export type BridgeConfigInput = Pick<BridgeConfig, 'allowedOrigins'> &
  Partial<Omit<BridgeConfig, 'allowedOrigins' | 'routes'>> & { readonly routes?: readonly Route[] };

/** Paths the bridge answers itself (plain HTTP GET); no route may use them. */
export const RESERVED_PATHS: readonly string[] = ['/healthz', '/metrics'];

export const DEFAULT_LISTEN: HostPort = { host: '127.0.0.1', port: 7580 };
export const DEFAULT_CONNECT_TIMEOUT_MS = TUNNEL_LIMITS.connectTimeoutMs;
export const DEFAULT_IDLE_TIMEOUT_MS = TUNNEL_LIMITS.idleTimeoutMs;

/** The flag that sets each limit, for error messages. */
export const LIMIT_FLAGS: Record<keyof BridgeLimits, string> = {
  connectTimeoutMs: '--connect-timeout',
  idleTimeoutMs: '--idle-timeout',
  maxBufferedBytes: '--max-buffered',
  maxPayloadBytes: '--max-payload',
  maxFragments: '--max-fragments',
  maxLifetimeMs: '--max-lifetime',
  maxBytesPerConnection: '--max-bytes',
  maxConnections: '--max-connections',
  maxConnectionsPerIp: '--max-connections-per-ip',
  connectionsPerIpPerMinute: '--rate-per-ip',
  upgradeTimeoutMs: '--upgrade-timeout',
  heartbeatIntervalMs: '--heartbeat',
  shutdownTimeoutMs: '--shutdown-timeout',
};

/** Accepted range of each limit: [min, max]. Times in ms, sizes in bytes. */
const LIMIT_RANGES: Record<keyof BridgeLimits, readonly [number, number]> = {
  connectTimeoutMs: [1, 600_000],
  idleTimeoutMs: [1, 86_400_000],
  maxBufferedBytes: [16 * 1024, 256 * 1024 * 1024],
  maxPayloadBytes: [1024, 64 * 1024 * 1024],
  maxFragments: [1, 1_000_000],
  maxLifetimeMs: [1, 7 * 86_400_000],
  maxBytesPerConnection: [1, Number.MAX_SAFE_INTEGER],
  maxConnections: [1, 1_000_000],
  maxConnectionsPerIp: [1, 1_000_000],
  connectionsPerIpPerMinute: [1, 1_000_000],
  upgradeTimeoutMs: [1, 600_000],
  heartbeatIntervalMs: [1, 3_600_000],
  shutdownTimeoutMs: [0, 3_600_000],
};

export function bad(message: string): MyProxyWebError {
  return new MyProxyWebError('BAD_INPUT', message);
}

/**
 * Parses `HOST:PORT`, `[IPv6]:PORT`. `what` names the flag in error messages.
 * Port 0 is accepted only when `allowPortZero` (listening).
 */
export function parseHostPort(text: string, what: string, allowPortZero: boolean): HostPort {
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon <= 0 || colon === text.length - 1) throw bad(`${what}: expected HOST:PORT, got '${text}'`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) throw bad(`${what}: put an IPv6 address in brackets, e.g. [::1]:7512, got '${text}'`);
  }
  if (!/^\d{1,5}$/.test(portText)) throw bad(`${what}: port must be a number, got '${portText}'`);
  const port = Number(portText);
  const min = allowPortZero ? 0 : 1;
  if (port < min || port > 65535) throw bad(`${what}: port must be between ${min} and 65535, got ${port}`);
  if (!/^[A-Za-z0-9.\-_:%]+$/.test(host)) throw bad(`${what}: invalid host '${host}'`);
  return { host, port };
}

/**
 * Checks that `text` is a serialized origin exactly as a browser sends it in the `Origin`
 * header: lower-case scheme and host, no default port, no path, no trailing slash.
 * The bridge compares origins as plain strings, so anything else could never match.
 */
export function validateOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`--allow-origin: '${text}' is not an origin like https://portal.example.org`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw bad(`--allow-origin: '${text}' must use http or https`);
  }
  if (url.origin !== text) {
    throw bad(
      `--allow-origin: '${text}' is not written as browsers send it; use '${url.origin}' ` +
        '(scheme://host[:port], lower case, no default port, no path or trailing slash)',
    );
  }
  return text;
}

/** A route path: starts with '/', URL-safe characters only, no query or fragment. */
export function validateRoutePath(path: string): string {
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path) || path.includes('//')) {
    throw bad(`--route: path must look like /name (letters, digits, . _ ~ - /), got '${path}'`);
  }
  return path;
}

function checkPort(hp: HostPort, what: string, min: number): void {
  if (!Number.isInteger(hp.port) || hp.port < min || hp.port > 65535) {
    throw bad(`${what}: port must be between ${min} and 65535, got ${hp.port}`);
  }
}

function checkLimit(key: keyof BridgeLimits, value: number): number {
  const [min, max] = LIMIT_RANGES[key];
  if (!Number.isFinite(value) || value < min || value > max) {
    throw bad(`${LIMIT_FLAGS[key]} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** An IP address as written in X-Forwarded-For and by Node (IPv4-mapped IPv6 unwrapped). */
export function normalizeIp(ip: string): string {
  const lower = ip.trim().toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/** Merges explicit defaults into `input` and validates every field. */
export function resolveConfig(input: BridgeConfigInput): BridgeConfig {
  const routes = input.routes ?? [];
  if (!input.target && routes.length === 0) throw bad('--target HOST:PORT (or at least one --route PATH=HOST:PORT) is required');
  if (input.target && routes.length > 0) throw bad('give either --target or --route, not both');
  if (input.target) checkPort(input.target, '--target', 1);
  const seenPaths = new Set<string>();
  for (const route of routes) {
    validateRoutePath(route.path);
    if (RESERVED_PATHS.includes(route.path)) throw bad(`--route: ${route.path} is reserved for the bridge itself`);
    checkPort(route.target, `--route ${route.path}`, 1);
    if (seenPaths.has(route.path)) throw bad(`--route: path '${route.path}' given more than once`);
    seenPaths.add(route.path);
  }
  if (!input.allowedOrigins || input.allowedOrigins.length === 0) {
    throw bad('at least one --allow-origin ORIGIN is required (the page origin allowed to open tunnels)');
  }
  const listen = input.listen ?? DEFAULT_LISTEN;
  checkPort(listen, '--listen', 0);
  const allowedOrigins = [...new Set(input.allowedOrigins.map(validateOrigin))];

  const limits = {} as Record<keyof BridgeLimits, number>;
  for (const key of Object.keys(LIMIT_FLAGS) as (keyof BridgeLimits)[]) {
    limits[key] = checkLimit(key, input[key] ?? TUNNEL_LIMITS[key]);
  }
  if (input.maxConnectionsPerIp === undefined) limits.maxConnectionsPerIp = Math.min(limits.maxConnectionsPerIp, limits.maxConnections);
  if (limits.maxConnectionsPerIp > limits.maxConnections) {
    throw bad(`--max-connections-per-ip (${limits.maxConnectionsPerIp}) cannot exceed --max-connections (${limits.maxConnections})`);
  }

  if (input.tokenSecret !== undefined && new TextEncoder().encode(input.tokenSecret).length < 32) {
    throw bad('--token-secret must be at least 32 bytes long (e.g. `openssl rand -base64 32`)');
  }
  if (input.tls && (!input.tls.certFile || !input.tls.keyFile)) throw bad('--tls-cert and --tls-key must be given together');
  const trustProxy = [...new Set((input.trustProxy ?? []).map(normalizeIp))];
  for (const ip of trustProxy) {
    if (!/^[0-9a-f.:]+$/.test(ip) || !(ip.includes('.') || ip.includes(':'))) {
      throw bad(`--trust-proxy: expected IP addresses, got '${ip}'`);
    }
  }

  return {
    ...(input.target && { target: input.target }),
    routes,
    listen,
    allowedOrigins,
    ...limits,
    ...(input.tokenSecret !== undefined && { tokenSecret: input.tokenSecret }),
    ...(input.tls && { tls: input.tls }),
    trustProxy,
  };
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One line describing where tunnels go: `HOST:PORT`, or `/a -> HOST:PORT, /b -> ...`. */
export function describeTargets(config: BridgeConfig): string {
  if (config.target) return formatHostPort(config.target);
  return config.routes.map((r) => `${r.path} -> ${formatHostPort(r.target)}`).join(', ');
}
