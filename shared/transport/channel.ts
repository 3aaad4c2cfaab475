/**
 * A reliable, ordered, bidirectional byte channel: a TCP socket, a WebSocket tunnel
 * through myproxy-bridge, or a TLS connection running on top of one of those.
 *
 * Pull-based reading keeps protocol code sequential: `read()` resolves with the next
 * bytes available, or `null` once the peer has ended the stream.
 */
export interface ByteChannel {
  /** Sends bytes; resolves when they were handed to the layer below. A TLS channel sends one write as one record when it fits. */
  write(data: Uint8Array): Promise<void>;
  /** Resolves with the next non-empty chunk, or null at end of stream. Rejects with a MyProxyWebError on failure. */
  read(): Promise<Uint8Array | null>;
  /** Closes the channel; idempotent. Pending reads resolve with null. */
  close(): void;
}

/** Deadline helper shared by every network phase: rejects with `onTimeout()` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
