/** shared/transport/read-queue.ts: the receiving half shared by the TCP and WebSocket channels. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MyProxyWebError } from '../../shared/errors.js';
import { ReadQueue } from '../../shared/transport/read-queue.js';

const bytes = (...values: number[]) => new Uint8Array(values);

describe('ReadQueue', () => {
  it('delivers chunks in order, to a waiting read or from the queue, and counts queued bytes', async () => {
    const queue = new ReadQueue('test');
    const pending = queue.read();
    queue.push(bytes(1));
    assert.deepEqual(await pending, bytes(1));
    queue.push(bytes(2, 3));
    queue.push(bytes(4));
    assert.equal(queue.queuedBytes, 3);
    assert.deepEqual(await queue.read(), bytes(2, 3));
    assert.equal(queue.queuedBytes, 1);
    assert.deepEqual(await queue.read(), bytes(4));
    assert.equal(queue.queuedBytes, 0);
  });

  it('a clean end delivers queued data first, then null, and ignores later data', async () => {
    const queue = new ReadQueue('test');
    queue.push(bytes(9));
    queue.end();
    queue.push(bytes(10));
    assert.deepEqual(await queue.read(), bytes(9));
    assert.equal(await queue.read(), null);
    assert.equal(await queue.read(), null);
  });

  it('an end with an error rejects a waiting read and every later read, after queued data; the first error wins', async () => {
    const queue = new ReadQueue('test');
    const waiting = queue.read();
    queue.end(new MyProxyWebError('TRANSPORT_CLOSED', 'first'));
    await assert.rejects(waiting, { code: 'TRANSPORT_CLOSED', message: 'first' });

    const other = new ReadQueue('test');
    other.push(bytes(1));
    other.end(new MyProxyWebError('TRANSPORT_CLOSED', 'first'));
    other.end(new MyProxyWebError('INTERNAL', 'second'));
    assert.deepEqual(await other.read(), bytes(1));
    await assert.rejects(other.read(), { message: 'first' });
    assert.equal(other.error?.message, 'first');
  });

  it('refuses a second concurrent read', async () => {
    const queue = new ReadQueue('test');
    const first = queue.read();
    await assert.rejects(queue.read(), { code: 'INTERNAL' });
    queue.push(bytes(5));
    assert.deepEqual(await first, bytes(5));
  });
});
