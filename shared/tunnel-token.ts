/**
 * Gateway tokens for myproxy-bridge: short-lived, HMAC-SHA256-signed permissions to open
 * one tunnel, minted by the gateway's back end for its logged-in user and checked by the
 * bridge before it accepts the WebSocket (`--token-secret`).
 *
 * Isomorphic (WebCrypto only, no node: imports) so the same code runs in the back end, the
 * bridge and tests. The page never sees the secret; it passes the token it was given as a
 * second offered subprotocol (`tunnelSubprotocols(token)` in shared/tunnel.ts).
 *
 * Format: `v1.<claims>.<mac>`, both parts base64url without padding. `claims` is the JSON
 * `{"iat":s,"exp":s,"sub"?:string,"route"?:string}` (seconds since the epoch); `mac` is
 * HMAC-SHA256(secret, "myproxy-tunnel-token.v1." + claims). Every character is an RFC 7230
 * token character, as a subprotocol name requires. A token is a bearer permission that can
 * be replayed until it expires: keep the lifetime short (tens of seconds).
 */
import { fromBase64, toBase64, utf8Decode, utf8Encode } from './bytes/bytes.js';
import { MyProxyWebError } from './errors.js';

const VERSION = 'v1';
const MAC_LABEL = 'myproxy-tunnel-token.v1.';
/** Shorter secrets are refused: HMAC-SHA256 wants at least 256 bits of key. */
export const TUNNEL_TOKEN_MIN_SECRET_BYTES = 32;
/** Longest lifetime `mintTunnelToken` accepts, and `verifyTunnelToken` honours. */
export const TUNNEL_TOKEN_MAX_TTL_SECONDS = 3600;
/** Tolerated clock difference between the gateway and the bridge. */
export const TUNNEL_TOKEN_CLOCK_SKEW_SECONDS = 30;
/** Longest token accepted (guards the JSON parser). */
const MAX_TOKEN_LENGTH = 1024;

export type TunnelTokenSecret = string | Uint8Array | CryptoKey;

export interface TunnelTokenClaims {
  /** Issued at, seconds since the epoch. */
  readonly iat: number;
  /** Expires at, seconds since the epoch. */
  readonly exp: number;
  /** Who the gateway issued it for (logged by nobody; for the gateway's own audit). */
  readonly sub?: string;
  /** The bridge route (URL path) the token is valid for; any route when absent. */
  readonly route?: string;
}

export interface MintTunnelTokenOptions {
  readonly secret: TunnelTokenSecret;
  readonly subject?: string;
  readonly route?: string;
  readonly ttlSeconds: number;
  /** Milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
}

export interface VerifyTunnelTokenOptions {
  readonly secret: TunnelTokenSecret;
  /** The route being opened; a token bound to another route is refused. */
  readonly route?: string;
  /** Milliseconds since the epoch; default `Date.now()`. */
  readonly now?: number;
}

export type TunnelTokenFailure = 'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'wrong_route';

export type TunnelTokenResult =
  | { readonly ok: true; readonly claims: TunnelTokenClaims }
  | { readonly ok: false; readonly reason: TunnelTokenFailure };

/** A copy on a plain ArrayBuffer, as WebCrypto's types want. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new RangeError('invalid base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return fromBase64(padded);
}

/** Imports a secret once, for callers that verify many tokens (the bridge). */
export async function importTunnelTokenKey(secret: TunnelTokenSecret): Promise<CryptoKey> {
  if (typeof secret === 'object' && !(secret instanceof Uint8Array)) return secret;
  const raw = typeof secret === 'string' ? utf8Encode(secret) : secret;
  if (raw.length < TUNNEL_TOKEN_MIN_SECRET_BYTES) {
    throw new MyProxyWebError('BAD_INPUT', `the tunnel token secret must be at least ${TUNNEL_TOKEN_MIN_SECRET_BYTES} bytes long`);
  }
  return crypto.subtle.importKey('raw', own(raw), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function mintTunnelToken(options: MintTunnelTokenOptions): Promise<string> {
  const { ttlSeconds, subject, route } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > TUNNEL_TOKEN_MAX_TTL_SECONDS) {
    throw new MyProxyWebError('BAD_INPUT', `ttlSeconds must be a whole number from 1 to ${TUNNEL_TOKEN_MAX_TTL_SECONDS}`);
  }
  if (route !== undefined && !route.startsWith('/')) throw new MyProxyWebError('BAD_INPUT', `route must be a URL path, got '${route}'`);
  const key = await importTunnelTokenKey(options.secret);
  const iat = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: TunnelTokenClaims = {
    iat,
    exp: iat + ttlSeconds,
    ...(subject !== undefined && { sub: subject }),
    ...(route !== undefined && { route }),
  };
  const body = toBase64Url(utf8Encode(JSON.stringify(claims)));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, own(utf8Encode(MAC_LABEL + body))));
  return `${VERSION}.${body}.${toBase64Url(mac)}`;
}

function parseClaims(json: unknown): TunnelTokenClaims | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { iat, exp, sub, route } = json as Record<string, unknown>;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) return undefined;
  if (sub !== undefined && typeof sub !== 'string') return undefined;
  if (route !== undefined && typeof route !== 'string') return undefined;
  return { iat, exp, ...(sub !== undefined && { sub }), ...(route !== undefined && { route }) };
}

/** Checks a token's MAC, validity period and route. Never throws for a bad token. */
export async function verifyTunnelToken(token: string, options: VerifyTunnelTokenOptions): Promise<TunnelTokenResult> {
  const key = await importTunnelTokenKey(options.secret);
  const fail = (reason: TunnelTokenFailure): TunnelTokenResult => ({ ok: false, reason });
  if (token.length > MAX_TOKEN_LENGTH) return fail('malformed');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return fail('malformed');
  const [, body, macText] = parts as [string, string, string];
  let mac: Uint8Array;
  let claimsBytes: Uint8Array;
  try {
    mac = fromBase64Url(macText);
    claimsBytes = fromBase64Url(body);
  } catch {
    return fail('malformed');
  }
  // MAC first (constant time inside WebCrypto): nothing unauthenticated is parsed further.
  if (!(await crypto.subtle.verify('HMAC', key, own(mac), own(utf8Encode(MAC_LABEL + body))))) return fail('bad_signature');
  let claims: TunnelTokenClaims | undefined;
  try {
    claims = parseClaims(JSON.parse(utf8Decode(claimsBytes)));
  } catch {
    claims = undefined;
  }
  if (!claims || claims.exp <= claims.iat || claims.exp - claims.iat > TUNNEL_TOKEN_MAX_TTL_SECONDS) return fail('malformed');
  const now = (options.now ?? Date.now()) / 1000;
  if (now >= claims.exp) return fail('expired');
  if (claims.iat > now + TUNNEL_TOKEN_CLOCK_SKEW_SECONDS) return fail('not_yet_valid');
  if (claims.route !== undefined && claims.route !== options.route) return fail('wrong_route');
  return { ok: true, claims };
}
