/**
 * The bridge's plain HTTP answers: GET /healthz (target reachable? 200 or 503, JSON),
 * GET /metrics (Prometheus text) and 426 Upgrade Required for anything else. Also the
 * raw refusal written on a socket whose upgrade is refused.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HealthReport } from './health.js';

export interface EndpointContext {
  health(): Promise<HealthReport>;
  metrics(): string;
  stopping(): boolean;
}

function send(res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(body);
}

export function handleRequest(req: IncomingMessage, res: ServerResponse, ctx: EndpointContext): void {
  const path = (req.url ?? '/').split('?')[0];
  const isGet = req.method === 'GET' || req.method === 'HEAD';
  if (isGet && path === '/metrics') {
    return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', ctx.metrics());
  }
  if (isGet && path === '/healthz') {
    if (ctx.stopping()) return send(res, 503, 'application/json', '{"ok":false,"stopping":true}\n');
    ctx.health().then(
      (report) => send(res, report.ok ? 200 : 503, 'application/json', JSON.stringify(report) + '\n'),
      () => send(res, 503, 'application/json', '{"ok":false}\n'),
    );
    return;
  }
  // Not a WebSocket upgrade: this endpoint serves nothing else.
  send(res, 426, 'text/plain; charset=utf-8', 'myproxy-bridge accepts WebSocket connections only\n', {
    Upgrade: 'websocket',
    Connection: 'close',
  });
}

/** Writes a minimal HTTP error response on a not-yet-upgraded socket and closes it. */
export function refuseSocket(socket: Duplex, status: number, extraHeaders: Record<string, string> = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${STATUS_CODES[status] ?? 'Error'}\n`;
  const headers: Record<string, string> = {
    Connection: 'close',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...(status === 429 || status === 503 ? { 'Retry-After': '60' } : {}),
    ...extraHeaders,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}`);
  // A peer that never reads must not keep the socket open.
  const timer = setTimeout(() => socket.destroy(), 2_000);
  socket.once('close', () => clearTimeout(timer));
}
