/**
 * TLS 1.3 client on WebCrypto only, for browsers and Node (RFC 8446).
 * `connectTls` performs the handshake over a ByteChannel and returns a TlsConnection.
 */
import { MyProxyWebError } from '../errors.js';
import { checkMyProxyServerIdentity, parseIpAddress } from '../pki/identity.js';
import { withTimeout, type ByteChannel } from '../transport/channel.js';
import { Tls13ClientHandshake } from './client13.js';
import { TlsEngine } from './connection.js';

export interface TlsClientOptions {
  /** Host name the user asked for (e.g. 'localhost'); checked against the server certificate. Sent as SNI only when it is a DNS name, not an IP. */
  serverName: string;
  /** DER certificates of trusted CAs. */
  trustRoots: readonly Uint8Array[];
  /** Identity check on the validated leaf; default: checkMyProxyServerIdentity from shared/pki/identity.ts. Throws MyProxyWebError('CERT_NAME_MISMATCH', ...) on failure. */
  checkIdentity?: (leafDer: Uint8Array, serverName: string) => void;
  /** Whole-handshake deadline; default 30000 ms. Rejects with code TLS_HANDSHAKE_TIMEOUT. */
  handshakeTimeoutMs?: number;
  /** Clock for certificate validity; default () => new Date(). */
  now?: () => Date;
}

export interface TlsConnection extends ByteChannel {
  readonly protocol: 'TLSv1.3';
  readonly cipherSuite: 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384';
  /** DER certificates exactly as the server sent them, leaf first. */
  readonly peerCertificates: readonly Uint8Array[];
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/** RFC 6066 §3: SNI carries DNS host names only, without a trailing dot. */
function sniFor(serverName: string): string | undefined {
  if (parseIpAddress(serverName) !== undefined) return undefined;
  const name = serverName.replace(/\.$/, '');
  return /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(name) ? name : undefined;
}

export async function connectTls(transport: ByteChannel, options: TlsClientOptions): Promise<TlsConnection> {
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const handshake = new Tls13ClientHandshake({
    serverName: options.serverName,
    sni: sniFor(options.serverName),
    trustRoots: options.trustRoots,
    checkIdentity: options.checkIdentity ?? checkMyProxyServerIdentity,
    now: options.now ?? (() => new Date()),
  });
  const engine = new TlsEngine(transport, handshake);
  let result;
  try {
    result = await withTimeout(
      engine.runHandshake(),
      timeoutMs,
      () => new MyProxyWebError('TLS_HANDSHAKE_TIMEOUT', `TLS handshake with ${options.serverName} did not complete within ${timeoutMs} ms`),
    );
  } catch (error) {
    if (error instanceof MyProxyWebError && error.code === 'TLS_HANDSHAKE_TIMEOUT') engine.abort(error);
    throw error;
  }
  const connection: TlsConnection = {
    protocol: 'TLSv1.3',
    cipherSuite: result.cipherSuite.name,
    peerCertificates: result.peerCertificates,
    read: () => engine.read(),
    write: (data) => engine.write(data),
    close: () => engine.close(),
  };
  return connection;
}
