/**
 * The checks an upgrade request must pass before a WebSocket is accepted, in order:
 *   1. route: in routes mode the URL path must be one of them (404);
 *   2. Origin: present and equal, as a string, to an allowed origin (403). Browsers always
 *      send it, so other web pages cannot use the bridge; it is no defence against
 *      non-browser clients, which is what tokens are for;
 *   3. subprotocols: `binary` must be offered if anything is, with at most one
 *      `myproxy-token.<token>` (400);
 *   4. admission: rate and connection limits for the client address (429 / 503);
 *   5. token: with a secret configured, a valid gateway token bound to no route or to this
 *      one (401).
 * The caller still re-checks capacity after the await (admission.acquire).
 */
import type { IncomingMessage } from 'node:http';
import { TUNNEL_SUBPROTOCOL, TUNNEL_TOKEN_SUBPROTOCOL_PREFIX } from '../shared/tunnel.js';
import { verifyTunnelToken } from '../shared/tunnel-token.js';
import type { Admission } from './admission.js';
import type { HostPort } from './config.js';
import type { UpgradeRejectedReason } from './log.js';

export interface UpgradePolicy {
  readonly allowedOrigins: ReadonlySet<string>;
  /** Single-target mode: every path goes here. */
  readonly target?: HostPort;
  /** Routes mode: exact path -> target. */
  readonly routes: ReadonlyMap<string, HostPort>;
  readonly tokenKey?: CryptoKey;
  readonly admission: Admission;
}

export type UpgradeDecision =
  | { readonly ok: true; readonly origin: string; readonly route: string; readonly target: HostPort }
  | { readonly ok: false; readonly status: number; readonly reason: UpgradeRejectedReason; readonly detail?: string };

function refuse(status: number, reason: UpgradeRejectedReason, detail?: string): UpgradeDecision {
  return { ok: false, status, reason, ...(detail !== undefined && { detail }) };
}

export function parseSubprotocols(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://bridge.invalid').pathname;
  } catch {
    return '';
  }
}

export async function decideUpgrade(req: IncomingMessage, ip: string, policy: UpgradePolicy): Promise<UpgradeDecision> {
  const path = pathOf(req);
  const target = policy.target ?? policy.routes.get(path);
  if (!target) return refuse(404, 'route_unknown');
  const route = policy.target ? '*' : path;

  const origin = req.headers.origin;
  if (origin === undefined) return refuse(403, 'origin_missing');
  if (!policy.allowedOrigins.has(origin)) return refuse(403, 'origin_denied');

  const offered = parseSubprotocols(req.headers['sec-websocket-protocol']);
  const tokens = offered.filter((p) => p.startsWith(TUNNEL_TOKEN_SUBPROTOCOL_PREFIX));
  // Other names next to `binary` (e.g. websockify's `base64`) are allowed and ignored.
  if (offered.length > 0 && (!offered.includes(TUNNEL_SUBPROTOCOL) || tokens.length > 1)) {
    return refuse(400, 'subprotocol_unsupported');
  }

  const limited = policy.admission.check(ip);
  if (limited) return refuse(limited.status, limited.reason);

  if (policy.tokenKey) {
    const token = tokens[0]?.slice(TUNNEL_TOKEN_SUBPROTOCOL_PREFIX.length);
    if (!token) return refuse(401, 'token_missing');
    const result = await verifyTunnelToken(token, { secret: policy.tokenKey, route: policy.target ? path : route });
    if (!result.ok) return refuse(401, 'token_invalid', result.reason);
  }
  return { ok: true, origin, route, target };
}
