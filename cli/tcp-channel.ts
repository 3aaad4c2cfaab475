/** The Node TCP implementation of ByteChannel, used by the myproxy-web command. */
import net from 'node:net';
import { MyProxyWebError } from '../shared/errors.js';
import type { ByteChannel } from '../shared/transport/channel.js';
import { ReadQueue } from '../shared/transport/read-queue.js';

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
  private readonly incoming = new ReadQueue('TCP');

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.incoming.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      if (this.incoming.queuedBytes > MAX_QUEUED_BYTES) socket.pause();
    });
    socket.on('end', () => this.incoming.end());
    socket.on('close', () => this.incoming.end());
    socket.on('error', (error) => {
      this.incoming.end(new MyProxyWebError('TRANSPORT_CLOSED', `connection failed: ${error.message}`, { cause: error }));
    });
  }

  read(): Promise<Uint8Array | null> {
    const next = this.incoming.read();
    if (this.socket.isPaused() && this.incoming.queuedBytes <= MAX_QUEUED_BYTES) this.socket.resume();
    return next;
  }

  write(data: Uint8Array): Promise<void> {
    if (this.incoming.isEnded || this.socket.destroyed) {
      return Promise.reject(this.incoming.error ?? new MyProxyWebError('TRANSPORT_CLOSED', 'write after the connection closed'));
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
    this.incoming.end();
  }
}
