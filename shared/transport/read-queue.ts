/**
 * The receiving half every ByteChannel shares: chunks queued in arrival order, one pending
 * read at a time, and an end that is either clean (reads then resolve null) or an error
 * (reads reject with it). Data that arrived before the end is always delivered first.
 */
import { MyProxyWebError } from '../errors.js';

type Waiter = { resolve: (chunk: Uint8Array | null) => void; reject: (error: Error) => void };

export class ReadQueue {
  private readonly chunks: Uint8Array[] = [];
  private bytes = 0;
  private ended = false;
  private failure: MyProxyWebError | undefined;
  private waiter: Waiter | undefined;

  /** `what` names the channel in the programming-error message for concurrent reads. */
  constructor(private readonly what: string) {}

  /** Bytes received and not yet read (for backpressure decisions). */
  get queuedBytes(): number {
    return this.bytes;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The error the stream ended with, if any. */
  get error(): MyProxyWebError | undefined {
    return this.failure;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** Ends the stream, cleanly or with `error`; the first error given is kept. Idempotent. */
  end(error?: MyProxyWebError): void {
    if (error) this.failure ??= error;
    this.ended = true;
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (this.failure) waiter.reject(this.failure);
    else waiter.resolve(null);
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.chunks.shift();
    if (chunk) {
      this.bytes -= chunk.length;
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new MyProxyWebError('INTERNAL', `concurrent read on a ${this.what} channel`));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }
}
