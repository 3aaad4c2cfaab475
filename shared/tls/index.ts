/**
 * TLS 1.3 (RFC 8446) and TLS 1.2 (RFC 5246) client on WebCrypto only, for browsers and Node.
 * `connectTls` performs the handshake over a ByteChannel and returns a TlsConnection.
 */
import { MyProxyWebError } from '../errors.js';
import { checkMyProxyServerIdentity, parseIpAddress } from '../pki/identity.js';
import { withTimeout, type ByteChannel } from '../transport/channel.js';
import { clientCredentialFromKey, supportsTls13, type ClientCertificate, type ClientCredential } from './client-auth.js';
import { Tls13ClientHandshake } from './client13.js';
import type { CipherSuiteName } from './cipher-suites.js';
import { TlsEngine } from './connection.js';
import { TLS12_VERSION, TLS13_VERSION } from './constants.js';

export { clientCredentialFromKey, type ClientCertificate, type ClientCredential } from './client-auth.js';
export type { CipherSuiteName } from './cipher-suites.js';
import { HandshakeType } from './constants.js';
import type { HandshakeMessage } from './handshake-framing.js';

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
  /**
   * 'verify' (default): the chain must lead to `trustRoots` and the leaf must match `serverName`.
   * 'bootstrap': trust on first use, for myproxy-get-trustroots -b / myproxy-logon -b
   * (protocol notes §3.4): the chain is NOT validated and the name NOT checked, only captured
   * (`peerCertificates`); the server must still prove possession of the leaf key
   * (CertificateVerify) and the Finished messages must verify.
   */
  serverChainPolicy?: 'verify' | 'bootstrap';
  /**
   * Sent when the server asks for a certificate (CertificateRequest, in 1.3 and 1.2); without it an
   * empty Certificate is sent (anonymous). Either a chain and CryptoKey, or a ClientCredential with its
   * own signer. An RSA PKCS#1 v1.5 key that is non-extractable and has no `pssPrivateKey` cannot sign a
   * TLS 1.3 CertificateVerify (RFC 8446 §4.4.3), so then only TLS 1.2 is offered (see client-auth.ts).
   */
  clientCertificate?: ClientCertificate | ClientCredential;
  /** Highest version offered; default 'TLSv1.3' (the ClientHello offers 1.3 and 1.2). */
  maxVersion?: 'TLSv1.3' | 'TLSv1.2';
}

export interface TlsConnection extends ByteChannel {
  readonly protocol: 'TLSv1.3' | 'TLSv1.2';
  /** IANA name, e.g. TLS_AES_256_GCM_SHA384 or TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384. */
  readonly cipherSuite: CipherSuiteName;
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

/**
 * Performs the handshake over `transport` and returns the connection. `transport` may also be a
 * connection still being made (e.g. `connectTls(connectTcp(...), options)`): the key shares are then
 * generated while it connects. The handshake deadline starts once the transport is connected.
 */
export async function connectTls(transport: ByteChannel | PromiseLike<ByteChannel>, options: TlsClientOptions): Promise<TlsConnection> {
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  // Bootstrap: the presented certificates become the trust roots (captured as the Certificate message passes) and any name is accepted.
  const bootstrapRoots: Uint8Array[] | undefined = options.serverChainPolicy === 'bootstrap' ? [] : undefined;
  if (bootstrapRoots) options = { ...options, trustRoots: bootstrapRoots, checkIdentity: () => undefined };
  const given = options.clientCertificate;
  const clientCredential = given === undefined ? undefined : 'sign' in given ? given : await clientCredentialFromKey(given);
  const tls13 = options.maxVersion !== 'TLSv1.2' && (clientCredential === undefined || supportsTls13(clientCredential));
  const handshake = new Tls13ClientHandshake({
    versions: tls13 ? [TLS13_VERSION, TLS12_VERSION] : [TLS12_VERSION],
    clientCredential,
    serverName: options.serverName,
    sni: sniFor(options.serverName),
    trustRoots: options.trustRoots,
    checkIdentity: options.checkIdentity ?? checkMyProxyServerIdentity,
    now: options.now ?? (() => new Date()),
  });
  if (bootstrapRoots) captureLeafForBootstrap(handshake, bootstrapRoots);
  handshake.prepare();
  const engine = new TlsEngine(await transport, handshake);
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
    protocol: result.protocol,
    cipherSuite: result.cipherSuite.name,
    peerCertificates: result.peerCertificates,
    read: () => engine.read(),
    write: (data) => engine.write(data),
    close: () => engine.close(),
  };
  return connection;
}

/** RFC 8446 §4.4.2 / RFC 5246 §7.4.2 Certificate body: every certificate's DER, in either layout. */
function certificatesFromMessage(body: Uint8Array): Uint8Array[] {
  const u24 = (at: number): number => ((body[at] ?? 0) << 16) | ((body[at + 1] ?? 0) << 8) | (body[at + 2] ?? 0);
  const contextLength = body[0] ?? 0;
  const tls13 = body.length >= 4 + contextLength && 1 + contextLength + 3 + u24(1 + contextLength) === body.length;
  if (!tls13 && !(body.length >= 3 && 3 + u24(0) === body.length)) return [];
  const out: Uint8Array[] = [];
  for (let at = tls13 ? 4 + contextLength : 3; at + 3 <= body.length; ) {
    const length = u24(at);
    if (length === 0 || at + 3 + length > body.length) break;
    out.push(body.slice(at + 3, at + 3 + length));
    at += 3 + length;
    if (tls13) at += 2 + (((body[at] ?? 0) << 8) | (body[at + 1] ?? 0)); // CertificateEntry.extensions
  }
  return out;
}

/**
 * serverChainPolicy 'bootstrap': the certificates the server presents become the trust roots for
 * this one handshake, so the chain check passes on the server's own word while CertificateVerify
 * and Finished are still verified.
 */
function captureLeafForBootstrap(handshake: object, roots: Uint8Array[]): void {
  const target = handshake as { handle?: (message: HandshakeMessage) => Promise<unknown> };
  const original = target.handle?.bind(handshake);
  if (!original) throw new MyProxyWebError('INTERNAL', 'bootstrap: the handshake has no message handler to observe');
  target.handle = (message: HandshakeMessage) => {
    if (message.type === HandshakeType.certificate && roots.length === 0) roots.push(...certificatesFromMessage(message.body));
    return original(message);
  };
}
