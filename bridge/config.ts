/**
 * myproxy-bridge configuration: command-line parsing, defaults and validation.
 *
 * Everything is checked at start-up with a message naming the flag, so a bad deployment
 * fails before it accepts a single connection. Errors are MyProxyWebError('BAD_INPUT');
 * the CLI prints the message and exits with status 2.
 */
import { MyProxyWebError } from '../shared/errors.js';
import { TUNNEL_MAX_BUFFERED_BYTES, TUNNEL_MAX_PAYLOAD_BYTES } from '../shared/tunnel.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface BridgeConfig {
  /** The one TCP endpoint every tunnel connects to (the MyProxy server). */
  readonly target: HostPort;
  /** Where the bridge listens for WebSocket upgrades; port 0 picks a free port. */
  readonly listen: HostPort;
  /** Exact `Origin` header values allowed to open a tunnel (scheme://host[:port]). */
  readonly allowedOrigins: readonly string[];
  /** Time allowed for the TCP connection to the target (ms). */
  readonly connectTimeoutMs: number;
  /** A tunnel with no bytes in either direction for this long is closed (ms). */
  readonly idleTimeoutMs: number;
  /** Most bytes held per direction before the reading side is paused. */
  readonly maxBufferedBytes: number;
  /** Largest WebSocket message accepted from a client. */
  readonly maxPayloadBytes: number;
}

/** The fields a caller must give; everything else has a default. */
export type BridgeConfigInput = Pick<BridgeConfig, 'target' | 'allowedOrigins'> &
  Partial<Omit<BridgeConfig, 'target' | 'allowedOrigins'>>;

export const DEFAULT_LISTEN: HostPort = { host: '127.0.0.1', port: 7580 };
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

export const USAGE = `Usage: myproxy-bridge --target HOST:PORT --allow-origin ORIGIN [options]

Relays binary WebSocket frames to one TCP endpoint (a MyProxy server). The bridge
forwards raw TLS bytes and never sees plaintext.

Options:
  --target HOST:PORT        the MyProxy server every tunnel connects to (required)
  --allow-origin ORIGIN     a page origin allowed to open tunnels, exactly as browsers
                            send it, e.g. https://portal.example.org (required; repeat
                            the flag for several origins)
  --listen HOST:PORT        where to listen (default ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}; port 0 picks one)
  --connect-timeout SECS    time allowed to connect to the target (default ${DEFAULT_CONNECT_TIMEOUT_MS / 1000})
  --idle-timeout SECS       close tunnels idle this long (default ${DEFAULT_IDLE_TIMEOUT_MS / 1000})
  -h, --help                show this help

Prints one line "myproxy-bridge listening on ws://HOST:PORT -> TARGET" once ready, then
one JSON line per closed tunnel or rejected upgrade. SIGTERM/SIGINT close every tunnel
(code 4005) and exit 0. Exit status 2 means bad flags.
`;

export type ParsedArgs = { readonly kind: 'help' } | { readonly kind: 'run'; readonly config: BridgeConfig };

function bad(message: string): MyProxyWebError {
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

function checkPositive(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw bad(`${what} must be a positive number`);
  return value;
}

/** Merges explicit defaults into `input` and validates every field. */
export function resolveConfig(input: BridgeConfigInput): BridgeConfig {
  if (!input.target) throw bad('--target HOST:PORT is required');
  if (!input.allowedOrigins || input.allowedOrigins.length === 0) {
    throw bad('at least one --allow-origin ORIGIN is required (the page origin allowed to open tunnels)');
  }
  const target = input.target;
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw bad(`--target: port must be between 1 and 65535, got ${target.port}`);
  }
  const listen = input.listen ?? DEFAULT_LISTEN;
  if (!Number.isInteger(listen.port) || listen.port < 0 || listen.port > 65535) {
    throw bad(`--listen: port must be between 0 and 65535, got ${listen.port}`);
  }
  const allowedOrigins = [...new Set(input.allowedOrigins.map(validateOrigin))];
  return {
    target,
    listen,
    allowedOrigins,
    connectTimeoutMs: checkPositive(input.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, '--connect-timeout'),
    idleTimeoutMs: checkPositive(input.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, '--idle-timeout'),
    maxBufferedBytes: checkPositive(input.maxBufferedBytes ?? TUNNEL_MAX_BUFFERED_BYTES, 'maxBufferedBytes'),
    maxPayloadBytes: checkPositive(input.maxPayloadBytes ?? TUNNEL_MAX_PAYLOAD_BYTES, 'maxPayloadBytes'),
  };
}

function parseSeconds(text: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) {
    throw bad(`${flag}: expected a positive number of seconds, got '${text}'`);
  }
  return Math.round(Number(text) * 1000);
}

/** Parses command-line arguments (without `node` and the script). Accepts `--flag value` and `--flag=value`. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let target: HostPort | undefined;
  let listen: HostPort | undefined;
  let connectTimeoutMs: number | undefined;
  let idleTimeoutMs: number | undefined;
  const allowedOrigins: string[] = [];
  const seen = new Set<string>();
  if (argv.includes('-h') || argv.includes('--help')) return { kind: 'help' };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw bad(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const takeValue = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw bad(`${flag} needs a value`);
      i++;
      return next;
    };
    if (flag !== '--allow-origin') {
      if (seen.has(flag)) throw bad(`${flag} given more than once`);
      seen.add(flag);
    }
    switch (flag) {
      case '--target':
        target = parseHostPort(takeValue(), '--target', false);
        break;
      case '--listen':
        listen = parseHostPort(takeValue(), '--listen', true);
        break;
      case '--allow-origin':
        allowedOrigins.push(takeValue());
        break;
      case '--connect-timeout':
        connectTimeoutMs = parseSeconds(takeValue(), flag);
        break;
      case '--idle-timeout':
        idleTimeoutMs = parseSeconds(takeValue(), flag);
        break;
      default:
        throw bad(`unknown option '${flag}'`);
    }
  }
  if (!target) throw bad('--target HOST:PORT is required');
  const input: BridgeConfigInput = {
    target,
    allowedOrigins,
    ...(listen && { listen }),
    ...(connectTimeoutMs !== undefined && { connectTimeoutMs }),
    ...(idleTimeoutMs !== undefined && { idleTimeoutMs }),
  };
  return { kind: 'run', config: resolveConfig(input) };
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
