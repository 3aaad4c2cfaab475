/** No timers or sockets outlive their tunnels: Node's active resources before and after, in-process. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeOf, closedPort, openClient, startEchoTarget, startTarget, startTestBridge, waitFor } from './helpers.js';

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

test('timers and sockets return to their baseline after tunnels end every way', { timeout: 30_000 }, async () => {
  const echo = await startEchoTarget();
  const resetting = await startTarget((s) => s.on('data', () => s.resetAndDestroy()));
  const dead = await closedPort();
  const tb = await startTestBridge({ target: { host: '127.0.0.1', port: echo.port }, idleTimeoutMs: 200 });
  const tbReset = await startTestBridge({ target: { host: '127.0.0.1', port: resetting.port } });
  const tbDead = await startTestBridge({ target: { host: '127.0.0.1', port: dead } });
  await new Promise((r) => setTimeout(r, 100));
  const baseline = resources();

  for (let round = 0; round < 20; round++) {
    const normal = await openClient(tb.bridge.url);
    normal.close();
    const idle = await openClient(tb.bridge.url); // idle timeout
    const reset = await openClient(tbReset.bridge.url);
    reset.send(Buffer.alloc(10));
    const refused = await openClient(tbDead.bridge.url);
    const text = await openClient(tb.bridge.url);
    text.send('text');
    await Promise.all([idle, reset, refused, text].map((ws) => closeOf(ws)));
  }
  await waitFor(() => [tb, tbReset, tbDead].every((b) => b.bridge.tunnels().length === 0), 5_000, 'tunnels closed');
  await new Promise((r) => setTimeout(r, 300));
  const after = resources();
  for (const kind of ['Timeout', 'TCPSocketWrap']) {
    assert.ok((after[kind] ?? 0) <= (baseline[kind] ?? 0), `${kind}: ${baseline[kind] ?? 0} before, ${after[kind] ?? 0} after`);
  }
  for (const b of [tb, tbReset, tbDead]) await b.bridge.close();
  await echo.close();
  await resetting.close();
});
