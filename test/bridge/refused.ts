/** Resolves with the HTTP status of a refused WebSocket handshake (fails if it was accepted). */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';

export async function refusedStatus(ws: WebSocket): Promise<number> {
  ws.on('error', () => {});
  const [, res] = (await Promise.race([
    once(ws, 'unexpected-response'),
    once(ws, 'open').then(() => {
      throw new Error('the handshake was accepted');
    }),
  ])) as [unknown, IncomingMessage];
  res.resume();
  ws.terminate();
  return res.statusCode ?? 0;
}
