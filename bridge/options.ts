/**
 * Where the configuration comes from: command-line flags, MYPROXY_BRIDGE_* environment
 * variables and a JSON file (`--config FILE`), in that order of precedence, each option
 * taken whole from the first source that sets it. One table (OPTIONS) drives parsing, the
 * environment names, the JSON keys and the --help text. The result goes through
 * resolveConfig() (config.ts), which applies defaults and range checks.
 */
import { readFileSync } from 'node:fs';
import { TUNNEL_LIMITS } from '../shared/tunnel.js';
import {
  DEFAULT_LISTEN,
  bad,
  parseHostPort,
  resolveConfig,
  validateRoutePath,
  type BridgeConfig,
  type BridgeConfigInput,
  type BridgeLimits,
  type HostPort,
  type Route,
} from './config.js';

type Kind = 'hostport' | 'listen' | 'route' | 'string' | 'seconds' | 'seconds0' | 'count' | 'bytes' | 'list';

interface OptionDef {
  readonly flag: string;
  readonly kind: Kind;
  readonly arg: string;
  readonly help: string;
  /** May be given several times (flags) or as a comma-separated list (environment). */
  readonly repeat?: boolean;
}

const sec = (ms: number): string => String(ms / 1000);
const L = TUNNEL_LIMITS;

/** Every option, in --help order. The limit options map to BridgeLimits via LIMIT_KEYS. */
export const OPTIONS: readonly OptionDef[] = [
  { flag: '--target', kind: 'hostport', arg: 'HOST:PORT', help: 'the MyProxy server every tunnel connects to, whatever the path' },
  { flag: '--route', kind: 'route', arg: 'PATH=HOST:PORT', repeat: true, help: 'instead of --target: requests for exactly PATH go to HOST:PORT, other paths get 404 (repeat)' },
  { flag: '--allow-origin', kind: 'string', arg: 'ORIGIN', repeat: true, help: 'page origin allowed to open tunnels, exactly as browsers send it, e.g. https://portal.example.org (required; repeat)' },
  { flag: '--listen', kind: 'listen', arg: 'HOST:PORT', help: `where to listen (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}; port 0 picks one)` },
  { flag: '--token-secret', kind: 'string', arg: 'SECRET', help: 'require a gateway token signed with SECRET (>= 32 bytes; prefer the environment or the file)' },
  { flag: '--tls-cert', kind: 'string', arg: 'FILE', help: 'serve wss:// with this PEM certificate chain (re-read on SIGHUP)' },
  { flag: '--tls-key', kind: 'string', arg: 'FILE', help: 'the PEM private key for --tls-cert' },
  { flag: '--trust-proxy', kind: 'list', arg: 'IP[,IP...]', repeat: true, help: 'believe X-Forwarded-For from these proxy addresses' },
  { flag: '--connect-timeout', kind: 'seconds', arg: 'SECS', help: `time allowed to connect to the target (default ${sec(L.connectTimeoutMs)})` },
  { flag: '--idle-timeout', kind: 'seconds', arg: 'SECS', help: `close tunnels idle this long, 4002 (default ${sec(L.idleTimeoutMs)})` },
  { flag: '--max-lifetime', kind: 'seconds', arg: 'SECS', help: `close tunnels older than this, 4003 (default ${sec(L.maxLifetimeMs)})` },
  { flag: '--upgrade-timeout', kind: 'seconds', arg: 'SECS', help: `time a client has to send its upgrade request (default ${sec(L.upgradeTimeoutMs)})` },
  { flag: '--heartbeat', kind: 'seconds', arg: 'SECS', help: `ping interval; a client missing a pong is dropped (default ${sec(L.heartbeatIntervalMs)})` },
  { flag: '--shutdown-timeout', kind: 'seconds0', arg: 'SECS', help: `on SIGTERM, time tunnels get to finish before 4005 (default ${sec(L.shutdownTimeoutMs)})` },
  { flag: '--max-connections', kind: 'count', arg: 'N', help: `open tunnels in total, 503 beyond (default ${L.maxConnections})` },
  { flag: '--max-connections-per-ip', kind: 'count', arg: 'N', help: `open tunnels per client address, 429 beyond (default ${L.maxConnectionsPerIp})` },
  { flag: '--rate-per-ip', kind: 'count', arg: 'N', help: `new connections per client address per minute, 429 beyond (default ${L.connectionsPerIpPerMinute})` },
  { flag: '--max-bytes', kind: 'bytes', arg: 'SIZE', help: `bytes relayed per tunnel, both ways, 4004 beyond (default ${L.maxBytesPerConnection / 1048576}MiB)` },
  { flag: '--max-payload', kind: 'bytes', arg: 'SIZE', help: `largest WebSocket message, 1009 beyond (default ${L.maxPayloadBytes / 1024}KiB)` },
  { flag: '--max-fragments', kind: 'count', arg: 'N', help: `most fragments per message, 1008 beyond (default ${L.maxFragments})` },
  { flag: '--max-buffered', kind: 'bytes', arg: 'SIZE', help: `bytes held per direction before reading pauses (default ${L.maxBufferedBytes / 1048576}MiB)` },
  { flag: '--config', kind: 'string', arg: 'FILE', help: 'read options from a JSON file ({"target": "h:7512", "idle-timeout": 60, ...})' },
];

/** The BridgeLimits field each limit flag sets. */
const LIMIT_KEYS: Record<string, keyof BridgeLimits> = {
  '--connect-timeout': 'connectTimeoutMs',
  '--idle-timeout': 'idleTimeoutMs',
  '--max-lifetime': 'maxLifetimeMs',
  '--upgrade-timeout': 'upgradeTimeoutMs',
  '--heartbeat': 'heartbeatIntervalMs',
  '--shutdown-timeout': 'shutdownTimeoutMs',
  '--max-connections': 'maxConnections',
  '--max-connections-per-ip': 'maxConnectionsPerIp',
  '--rate-per-ip': 'connectionsPerIpPerMinute',
  '--max-bytes': 'maxBytesPerConnection',
  '--max-payload': 'maxPayloadBytes',
  '--max-fragments': 'maxFragments',
  '--max-buffered': 'maxBufferedBytes',
};

export const ENV_PREFIX = 'MYPROXY_BRIDGE_';
export const envName = (flag: string): string => ENV_PREFIX + flag.slice(2).toUpperCase().replace(/-/g, '_');

export const USAGE = `Usage: myproxy-bridge --target HOST:PORT --allow-origin ORIGIN [options]

Relays binary WebSocket frames to a fixed TCP endpoint (a MyProxy server). The bridge
forwards raw TLS bytes and never sees plaintext. Also serves GET /healthz and /metrics.

Options (each also MYPROXY_BRIDGE_<NAME> in the environment, e.g. MYPROXY_BRIDGE_IDLE_TIMEOUT,
lists comma-separated, or "name": value in the --config JSON file; flags win, then the
environment, then the file):
${OPTIONS.map((o) => `  ${`${o.flag} ${o.arg}`.padEnd(32)}${o.help}`).join('\n')}
  -h, --help                      show this help

SIZE is bytes, or a number with K, M, KiB or MiB. Prints one line
"myproxy-bridge listening on ws://HOST:PORT -> TARGET" once ready, then one JSON line per
tunnel or rejected request. SIGTERM/SIGINT stop accepting, give tunnels --shutdown-timeout
to finish, close the rest with 4005 and exit 0; SIGHUP re-reads the TLS files. Exit
status 2 means bad options, 1 that the bridge could not start.
`;

export type ParsedArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly config: BridgeConfig };

function parseSeconds(text: string, what: string, allowZero: boolean): number {
  if (!/^\d+(\.\d+)?$/.test(text) || (!allowZero && Number(text) <= 0)) {
    throw bad(`${what}: expected a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got '${text}'`);
  }
  return Math.round(Number(text) * 1000);
}

function parseCount(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw bad(`${what}: expected a whole number of at least 1, got '${text}'`);
  return Number(text);
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1000, kib: 1024, m: 1e6, mib: 1048576, g: 1e9, gib: 1073741824 };

function parseBytes(text: string, what: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) < 1) throw bad(`${what}: expected a size like 65536, 64KiB or 1MiB, got '${text}'`);
  return Number(m[1]) * unit;
}

function parseRoute(text: string, what: string): Route {
  const eq = text.indexOf('=');
  if (eq <= 0) throw bad(`${what}: expected PATH=HOST:PORT, e.g. /myproxy=myproxy.example.org:7512, got '${text}'`);
  return { path: validateRoutePath(text.slice(0, eq)), target: parseHostPort(text.slice(eq + 1), what, false) };
}

/** Raw values for each option from one source, as strings. */
type RawValues = Map<string, { values: string[]; what: string }>;

function fromArgv(argv: readonly string[]): RawValues {
  const out: RawValues = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw bad(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const def = OPTIONS.find((o) => o.flag === flag);
    if (!def) throw bad(`unknown option '${flag}'`);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw bad(`${flag} needs a value`);
      value = next;
      i++;
    }
    const entry = out.get(flag);
    if (entry && !def.repeat) throw bad(`${flag} given more than once`);
    if (entry) entry.values.push(value);
    else out.set(flag, { values: [value], what: flag });
  }
  return out;
}

function fromEnv(env: Readonly<Record<string, string | undefined>>): RawValues {
  const out: RawValues = new Map();
  const known = new Map(OPTIONS.map((o) => [envName(o.flag), o]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value === '') continue;
    const def = known.get(name);
    if (!def) throw bad(`unknown environment variable ${name}`);
    const values = def.repeat ? value.split(',').map((v) => v.trim()).filter((v) => v !== '') : [value];
    out.set(def.flag, { values, what: `${name} (${def.flag})` });
  }
  return out;
}

function fromFile(file: string, read: (path: string) => string): RawValues {
  let json: unknown;
  try {
    json = JSON.parse(read(file));
  } catch (err) {
    throw bad(`--config ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad(`--config ${file}: expected a JSON object`);
  const out: RawValues = new Map();
  for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
    const def = OPTIONS.find((o) => o.flag === `--${key}`);
    const what = `--config ${file}: "${key}"`;
    if (!def || def.flag === '--config') throw bad(`${what} is not an option`);
    let values: unknown[];
    if (def.kind === 'route' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      values = Object.entries(value).map(([path, target]) => `${path}=${String(target)}`);
    } else values = Array.isArray(value) ? value : [value];
    if (!def.repeat && values.length !== 1) throw bad(`${what} takes one value`);
    if (!values.every((v) => typeof v === 'string' || typeof v === 'number')) throw bad(`${what}: expected a string or a number`);
    out.set(def.flag, { values: values.map(String), what });
  }
  return out;
}

/**
 * Parses command-line arguments (without `node` and the script), then the environment and
 * the `--config` file. Accepts `--flag value` and `--flag=value`.
 */
export function parseArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ParsedArgs {
  if (argv.includes('-h') || argv.includes('--help')) return { kind: 'help' };
  const flags = fromArgv(argv);
  const environment = fromEnv(env);
  const configFile = (flags.get('--config') ?? environment.get('--config'))?.values[0];
  const file = configFile !== undefined ? fromFile(configFile, readFile) : new Map() as RawValues;
  const pick = (flag: string) => flags.get(flag) ?? environment.get(flag) ?? file.get(flag);

  let target: HostPort | undefined;
  let listen: HostPort | undefined;
  let tokenSecret: string | undefined;
  let certFile: string | undefined;
  let keyFile: string | undefined;
  const routes: Route[] = [];
  const allowedOrigins: string[] = [];
  const trustProxy: string[] = [];
  const limits: Partial<Record<keyof BridgeLimits, number>> = {};

  for (const def of OPTIONS) {
    const raw = pick(def.flag);
    if (!raw) continue;
    const { values, what } = raw;
    const one = values[0]!;
    const limitKey = LIMIT_KEYS[def.flag];
    if (limitKey) {
      if (def.kind === 'bytes') limits[limitKey] = parseBytes(one, what);
      else if (def.kind === 'count') limits[limitKey] = parseCount(one, what);
      else limits[limitKey] = parseSeconds(one, what, def.kind === 'seconds0');
      continue;
    }
    switch (def.flag) {
      case '--target': target = parseHostPort(one, what, false); break;
      case '--listen': listen = parseHostPort(one, what, true); break;
      case '--route': for (const v of values) routes.push(parseRoute(v, what)); break;
      case '--allow-origin': allowedOrigins.push(...values); break;
      case '--trust-proxy': for (const v of values) trustProxy.push(...v.split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--token-secret': tokenSecret = one; break;
      case '--tls-cert': certFile = one; break;
      case '--tls-key': keyFile = one; break;
      case '--config': break;
    }
  }
  if (!target && routes.length === 0) throw bad('--target HOST:PORT is required (or --route PATH=HOST:PORT)');
  if ((certFile === undefined) !== (keyFile === undefined)) throw bad('--tls-cert and --tls-key must be given together');
  const input: BridgeConfigInput = {
    allowedOrigins,
    ...(target && { target }),
    ...(routes.length > 0 && { routes }),
    ...(listen && { listen }),
    ...limits,
    ...(tokenSecret !== undefined && { tokenSecret }),
    ...(certFile !== undefined && keyFile !== undefined && { tls: { certFile, keyFile } }),
    ...(trustProxy.length > 0 && { trustProxy }),
  };
  return { kind: 'run', config: resolveConfig(input) };
}
