/**
 * One MyProxy connection for one command: open the transport, run TLS, hand the connection to
 * the command, and close everything afterwards however it ends (errors, timeouts, abort).
 */
import { MyProxyWebError, toMyProxyWebError } from '../errors.js';
import { connectTls, type TlsClientOptions, type TlsConnection } from '../tls/index.js';
import type { ByteChannel } from '../transport/channel.js';

export const DEFAULT_SESSION_HANDSHAKE_TIMEOUT_MS = 30_000;

export interface MyProxyConnectOptions {
  /** Opens the transport: a WebSocket through the bridge, or TCP. */
  openTransport: () => Promise<ByteChannel>;
  /** The host name the server certificate must match. */
  serverName: string;
  /** DER trust anchors. */
  trustRoots: readonly Uint8Array[];
  /** Replaces the default server identity check; throws to reject. */
  checkIdentity?: (leafDer: Uint8Array, serverName: string) => void;
  /** Default 30 s. */
  handshakeTimeoutMs?: number;
  /** Per MyProxy response; default 130 s (servers give up after 120 s). */
  responseTimeoutMs?: number;
  /** Abort closes the transport and rejects with ABORTED. */
  signal?: AbortSignal;
  /** Further TLS options (e.g. a client certificate), passed to connectTls unchanged. */
  tls?: Partial<Omit<TlsClientOptions, 'serverName' | 'trustRoots' | 'checkIdentity' | 'handshakeTimeoutMs'>>;
}

function abortError(signal: AbortSignal, what: string): MyProxyWebError {
  const reason: unknown = signal.reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new MyProxyWebError('ABORTED', `${what} cancelled${detail}`, { cause: reason });
}

function closeQuietly(channel: ByteChannel | undefined): void {
  try {
    channel?.close();
  } catch {
    // Closing is best effort.
  }
}

/**
 * Connects (transport, then TLS), runs `command` on the TLS connection, and closes both.
 * Every failure is a MyProxyWebError; `what` names the operation in ABORTED messages.
 */
export async function withMyProxyConnection<T>(
  options: MyProxyConnectOptions,
  what: string,
  command: (tls: TlsConnection) => Promise<T>,
): Promise<T> {
  if (typeof options.openTransport !== 'function') throw new MyProxyWebError('BAD_INPUT', 'no transport given');
  if (!options.serverName) throw new MyProxyWebError('BAD_INPUT', 'the server name is empty');
  if (!Array.isArray(options.trustRoots)) throw new MyProxyWebError('BAD_INPUT', 'the trusted CA certificates must be a list');
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal, what);

  const channels: ByteChannel[] = [];
  let finished = false;
  const closeAll = (): void => {
    finished = true;
    for (const channel of channels.splice(0).reverse()) closeQuietly(channel);
  };
  const track = <C extends ByteChannel>(channel: C): C => {
    if (finished) closeQuietly(channel);
    else channels.push(channel);
    return channel;
  };

  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => {
      closeAll();
      reject(abortError(signal, what));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);

  const run = async (): Promise<T> => {
    const transport = track(await options.openTransport());
    const tls = track(
      await connectTls(transport, {
        ...options.tls,
        serverName: options.serverName,
        trustRoots: options.trustRoots,
        handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_SESSION_HANDSHAKE_TIMEOUT_MS,
        ...(options.checkIdentity ? { checkIdentity: options.checkIdentity } : {}),
      }),
    );
    return command(tls);
  };

  try {
    return await Promise.race([run(), aborted]);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal, what);
    throw toMyProxyWebError(error);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    closeAll();
  }
}
