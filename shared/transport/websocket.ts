/**
 * The browser implementation of ByteChannel: a binary WebSocket tunnel through
 * myproxy-bridge, which relays the bytes to the MyProxy server's TCP port.
 *
 * Uses the global `WebSocket` (browsers; Node 20 has none, which is fine: the command line
 * uses cli/tcp-channel.ts). The tunnel carries raw TLS bytes in binary frames, so the bridge
 * never sees plaintext.
 */
import { MyProxyWebError } from '../errors.js';
import { TUNNEL_CLOSE, TUNNEL_SUBPROTOCOL, describeTunnelClose, tunnelSubprotocols } from '../tunnel.js';
import type { ByteChannel } from './channel.js';
import { ReadQueue } from './read-queue.js';

export interface WebSocketConnectOptions {
  /** How long opening the WebSocket may take (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * A gateway token for a bridge run with --token-secret (shared/tunnel-token.ts). Sent as
   * the second offered subprotocol `myproxy-token.<token>`; the bridge echoes `binary` only.
   */
  token?: string;
}

/** `write()` waits while the socket holds more than this many unsent bytes. */
export const WEBSOCKET_HIGH_WATER_BYTES = 256 * 1024;
/** How often a waiting `write()` looks at `bufferedAmount` again (there is no drain event). */
const BACKPRESSURE_POLL_MS = 10;

/**
 * Opens a tunnel to `url` (ws:// or wss://). Rejects with TRANSPORT_CONNECT_FAILED when the
 * bridge cannot be reached or refuses the upgrade (browsers do not say which), with
 * TRANSPORT_TIMEOUT after `connectTimeoutMs`, and with BAD_INPUT for a malformed URL.
 */
export function connectWebSocket(url: string, { connectTimeoutMs = 10_000, token }: WebSocketConnectOptions = {}): Promise<ByteChannel> {
  return new Promise((resolve, reject) => {
    let ws: WebSocket;
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') throw new TypeError(`unsupported scheme ${parsed.protocol}`);
      ws = new WebSocket(url, tunnelSubprotocols(token));
    } catch (cause) {
      reject(new MyProxyWebError('BAD_INPUT', `invalid bridge URL ${JSON.stringify(url)}: expected ws:// or wss://`, { cause }));
      return;
    }
    ws.binaryType = 'arraybuffer';

    let settled = false;
    const fail = (error: MyProxyWebError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.onopen = ws.onerror = ws.onclose = ws.onmessage = null;
      try {
        ws.close();
      } catch {
        // Closing a socket that never opened may throw in some engines; nothing to clean up then.
      }
      reject(error);
    };
    const timer = setTimeout(() => {
      fail(new MyProxyWebError('TRANSPORT_TIMEOUT', `connecting to the bridge at ${url} timed out after ${connectTimeoutMs} ms`));
    }, connectTimeoutMs);

    // Browsers report a refused connection, a failed TLS handshake, and a refused upgrade
    // (bad origin, wrong path) the same way: an error event, then close code 1006.
    const connectFailed = (): void => {
      fail(new MyProxyWebError('TRANSPORT_CONNECT_FAILED', `cannot reach the bridge at ${url}`));
    };
    ws.onerror = connectFailed;
    ws.onclose = connectFailed;
    ws.onopen = () => {
      if (settled) return;
      if (ws.protocol !== TUNNEL_SUBPROTOCOL) {
        fail(new MyProxyWebError('TRANSPORT_CONNECT_FAILED', `the bridge at ${url} did not accept the ${TUNNEL_SUBPROTOCOL} subprotocol`));
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve(new WebSocketChannel(ws, url));
    };
  });
}

class WebSocketChannel implements ByteChannel {
  // Unbounded on purpose: a WebSocket cannot be paused, and the bridge bounds what it sends.
  private readonly incoming = new ReadQueue('WebSocket');
  private closedLocally = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly url: string,
  ) {
    ws.onmessage = (event: MessageEvent) => {
      if (event.data instanceof ArrayBuffer) {
        if (event.data.byteLength > 0) this.incoming.push(new Uint8Array(event.data));
        return;
      }
      // The tunnel carries binary frames only; a text frame means something else answered.
      this.incoming.end(new MyProxyWebError('TRANSPORT_CLOSED', `the bridge at ${url} sent a text frame; expected binary data only`));
      ws.close(TUNNEL_CLOSE.UNSUPPORTED_DATA);
    };
    ws.onerror = null; // Always followed by a close event, which carries the code.
    ws.onclose = (event: CloseEvent) => {
      if (this.closedLocally) return;
      if (event.code === TUNNEL_CLOSE.NORMAL) {
        this.incoming.end();
        return;
      }
      const reason = event.reason ? `: ${event.reason}` : '';
      this.incoming.end(new MyProxyWebError('TRANSPORT_CLOSED', `tunnel closed (${event.code}): ${describeTunnelClose(event.code)}${reason}`));
    };
  }

  /** Data received before a close is delivered first, then the close. */
  read(): Promise<Uint8Array | null> {
    return this.incoming.read();
  }

  async write(data: Uint8Array): Promise<void> {
    if (this.incoming.isEnded || this.ws.readyState !== WebSocket.OPEN) {
      throw this.incoming.error ?? new MyProxyWebError('TRANSPORT_CLOSED', `write after the tunnel to ${this.url} closed`);
    }
    this.ws.send(data);
    // WebSocket has no drain event: poll until the browser has handed most bytes to the network.
    while (this.ws.bufferedAmount > WEBSOCKET_HIGH_WATER_BYTES) {
      if (this.incoming.isEnded) throw this.incoming.error ?? new MyProxyWebError('TRANSPORT_CLOSED', `the tunnel to ${this.url} closed while sending`);
      await new Promise((resolve) => setTimeout(resolve, BACKPRESSURE_POLL_MS));
    }
  }

  close(): void {
    if (this.incoming.isEnded) return;
    this.closedLocally = true;
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(TUNNEL_CLOSE.NORMAL);
    }
    // Pending reads resolve with null, even though the close handshake is not finished yet.
    this.incoming.end();
  }
}
