/** The Node TCP implementation of ByteChannel, used by the myproxy-web command. */
import net from 'node:net';
import { MyProxyWebError } from '../shared/errors.js';
import type { ByteChannel } from '../shared/transport/channel.js';

export interface TcpConnectOptions {
  host: string;
  port: number;
  /** Connect timeout (MYPROXY_SOCKET_TIMEOUT in the native tools; default 10 s). */
  connectTimeoutMs?: number;
}

/** Bytes held unread before the socket is paused (backpressure towards the peer). */
const MAX_QUEUED_BYTES = 1024 * 1024;

export function connectTcp(options: TcpConnectOptions): Promise<ByteChannel> {
  const { host, port, connectTimeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new MyProxyWebError('TRANSPORT_TIMEOUT', `connecting to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new MyProxyWebError('TRANSPORT_CONNECT_FAILED', `cannot connect to ${host}:${port}: ${error.message}`, { cause: error }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new TcpChannel(socket));
    });
  });
}

class TcpChannel implements ByteChannel {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private ended = false;
  private failure: MyProxyWebError | undefined;
  private waiter: { resolve: (chunk: Uint8Array | null) => void; reject: (error: Error) => void } | undefined;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    socket.on('end', () => this.finish());
    socket.on('close', () => this.finish());
    socket.on('error', (error) => {
      this.failure ??= new MyProxyWebError('TRANSPORT_CLOSED', `connection failed: ${error.message}`, { cause: error });
      this.finish();
    });
  }

  private push(chunk: Uint8Array): void {
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(chunk);
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > MAX_QUEUED_BYTES) this.socket.pause();
  }

  private finish(): void {
    this.ended = true;
    if (!this.waiter) return;
    const { resolve, reject } = this.waiter;
    this.waiter = undefined;
    if (this.failure) reject(this.failure);
    else resolve(null);
  }

  read(): Promise<Uint8Array | null> {
    const chunk = this.queue.shift();
    if (chunk) {
      this.queuedBytes -= chunk.length;
      if (this.queuedBytes <= MAX_QUEUED_BYTES) this.socket.resume();
      return Promise.resolve(chunk);
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.waiter) return Promise.reject(new MyProxyWebError('INTERNAL', 'concurrent read on a TCP channel'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  write(data: Uint8Array): Promise<void> {
    if (this.ended || this.socket.destroyed) {
      return Promise.reject(this.failure ?? new MyProxyWebError('TRANSPORT_CLOSED', 'write after the connection closed'));
    }
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => {
        if (error) reject(new MyProxyWebError('TRANSPORT_CLOSED', `write failed: ${error.message}`, { cause: error }));
        else resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
    this.finish();
  }
}
