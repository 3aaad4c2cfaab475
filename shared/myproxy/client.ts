/**
 * myproxy-logon as one call, for the browser element and the CLI: key and CSR made locally,
 * TLS to the server over any byte channel, GET, and the resulting credential.
 */
import { MyProxyWebError, toMyProxyWebError } from '../errors.js';
import { createProxyCsr } from '../pki/csr.js';
import type { Credential } from '../pki/credential.js';
import { exportSpki, generateKeyPair, isEcKey, KEY_TYPES, type KeyType } from '../pki/keys.js';
import { connectTls, type ClientCertificate, type TlsConnection } from '../tls/index.js';
import type { RenewalCredential } from './authorization.js';
import { checkIssuedChain } from './issued.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand, serializeRequest } from './codec.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, getDelegationExchange } from './logon.js';
import { parseTrustRoots, type TrustRootFiles } from './trustroots.js';

export type LogonStep = 'generating-key' | 'connecting' | 'handshake' | 'requesting' | 'done';

export interface LogonOptions {
  /** Opens the transport: a WebSocket through the bridge, or TCP. */
  openTransport: () => Promise<ByteChannel>;
  /** The host name the server certificate must match. */
  serverName: string;
  /** DER trust anchors. */
  trustRoots: readonly Uint8Array[];
  /** Replaces the default server identity check; throws to reject. */
  checkIdentity?: (leafDer: Uint8Array, serverName: string) => void;
  username: string;
  passphrase: string;
  lifetimeSeconds: number;
  credentialName?: string;
  /**
   * Else an RSA 2048 key pair is generated. May be a promise (a key still being generated,
   * as the CLI's pre-warmed one): it is awaited only when the CSR is sent, after the handshake.
   */
  keyPair?: CryptoKeyPair | PromiseLike<CryptoKeyPair>;
  /** Type of the generated key pair when `keyPair` is not given; default 'rsa-2048'. CA-mode servers accept RSA only. */
  keyType?: KeyType;
  /** Send TRUSTED_CERTS=1 and return the server's trust-root files (`trustRoots` in the result). */
  trustedCerts?: boolean;
  /** Send an empty pass phrase (myproxy-logon -n); `passphrase` must then be ''. */
  noPassphrase?: boolean;
  /** Whether a generated private key is extractable; default true (needed for PEM output). */
  extractableKey?: boolean;
  /** Default 30 s. */
  handshakeTimeoutMs?: number;
  /** Per MyProxy response; default 130 s (servers give up after 120 s). */
  responseTimeoutMs?: number;
  onProgress?: (step: LogonStep) => void;
  /** Called once the TLS handshake completed, with the negotiated version and cipher suite. */
  onTlsConnected?: (info: { protocol: TlsConnection['protocol']; cipherSuite: TlsConnection['cipherSuite'] }) => void;
  /** Abort closes the transport and rejects with ABORTED. */
  signal?: AbortSignal;
  /** TLS client certificate; defaults to `authorization`'s credential when renewing. */
  clientCertificate?: ClientCertificate;
  /** Renewal (myproxy-logon -a, protocol notes §2.9): answers the server's certificate authorization; use with noPassphrase. */
  authorization?: RenewalCredential;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * The C tools refuse pass phrases shorter than 6 characters (MIN_PASS_PHRASE_LEN in
 * myproxy_read_pass.c). Servers authenticating through PAM or in CA mode have no such rule
 * (protocol notes §2.4), but we follow myproxy-logon for now.
 */
export const MIN_PASS_PHRASE_LENGTH = 6;

/** Longest lifetime accepted locally: ten years; servers cap it far lower anyway. */
const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

function validate(options: LogonOptions): void {
  const bad = (message: string): never => {
    throw new MyProxyWebError('BAD_INPUT', message);
  };
  if (typeof options.openTransport !== 'function') bad('no transport given');
  if (!options.serverName) bad('the server name is empty');
  // No trust roots is not refused here: the handshake then fails with CERT_UNTRUSTED, like myproxy-logon.
  if (!Array.isArray(options.trustRoots)) bad('the trusted CA certificates must be a list');
  if (!options.username) bad('the user name is empty');
  if (options.noPassphrase) {
    if (options.passphrase !== '') bad('no pass phrase was to be sent, but one was given');
  } else if (typeof options.passphrase !== 'string' || options.passphrase.length < MIN_PASS_PHRASE_LENGTH) {
    bad(`the pass phrase must have at least ${MIN_PASS_PHRASE_LENGTH} characters`);
  }
  if (options.keyType !== undefined && !KEY_TYPES.includes(options.keyType)) bad(`unsupported key type ${JSON.stringify(options.keyType)}; use one of ${KEY_TYPES.join(', ')}`);
  const lifetime = options.lifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > MAX_LIFETIME_SECONDS) {
    bad('the lifetime must be a positive whole number of seconds');
  }
  if (options.credentialName !== undefined && options.credentialName === '') bad('the credential name is empty');
  if (options.keyPair && !isPromiseLike(options.keyPair)) checkKeyPair(options.keyPair);
  // The request is built again in getDelegation; building it here rejects unsafe values
  // (line breaks, NUL, text the server would parse as a field) before any key or connection.
  serializeRequest({
    command: MyProxyCommand.GET,
    username: options.username,
    passphrase: options.passphrase,
    lifetimeSeconds: options.lifetimeSeconds,
    ...(options.credentialName !== undefined ? { credentialName: options.credentialName } : {}),
  });
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T>).then === 'function';
}

function checkKeyPair(keyPair: CryptoKeyPair): CryptoKeyPair {
  if (!keyPair || !keyPair.privateKey || !keyPair.publicKey) throw new MyProxyWebError('BAD_INPUT', 'the key pair is incomplete');
  return keyPair;
}

/** The key pair, our CSR for it and its SubjectPublicKeyInfo. */
interface PreparedKey {
  keyPair: CryptoKeyPair;
  csr: Uint8Array;
  ourSpki: Uint8Array;
}

async function prepareKey(options: LogonOptions): Promise<PreparedKey> {
  const keyPair = options.keyPair !== undefined
    ? checkKeyPair(await options.keyPair)
    : await generateKeyPair(options.keyType ?? 'rsa-2048', options.extractableKey ?? true);
  const csr = await createProxyCsr(keyPair);
  return { keyPair, csr, ourSpki: await exportSpki(keyPair.publicKey) };
}

function abortError(signal: AbortSignal): MyProxyWebError {
  const reason: unknown = signal.reason;
  const detail = reason instanceof Error && reason.name !== 'AbortError' ? `: ${reason.message}` : '';
  return new MyProxyWebError('ABORTED', `logon cancelled${detail}`, { cause: reason });
}

/** Channels to close when the logon ends, however it ends; late arrivals are closed at once. */
class OpenChannels {
  private readonly channels: ByteChannel[] = [];
  private closed = false;

  add<T extends ByteChannel>(channel: T): T {
    if (this.closed) closeQuietly(channel);
    else this.channels.push(channel);
    return channel;
  }

  closeAll(): void {
    this.closed = true;
    for (const channel of this.channels.splice(0).reverse()) closeQuietly(channel);
  }
}

function closeQuietly(channel: ByteChannel): void {
  try {
    channel.close();
  } catch {
    // Closing is best effort.
  }
}

/** A logon's credential, plus the server's trust-root files when `trustedCerts` was set. */
export interface LogonResult extends Credential {
  trustRoots?: TrustRootFiles;
}

export async function logon(options: LogonOptions): Promise<LogonResult> {
  validate(options);
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);

  const open = new OpenChannels();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    onAbort = () => {
      open.closeAll();
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);

  try {
    return await Promise.race([run(options, open), aborted]);
  } catch (error) {
    if (signal?.aborted) throw abortError(signal);
    throw toMyProxyWebError(error);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    open.closeAll();
  }
}

async function run(options: LogonOptions, open: OpenChannels): Promise<LogonResult> {
  const { signal, onProgress } = options;
  const step = (name: LogonStep): void => {
    if (signal?.aborted) throw abortError(signal);
    onProgress?.(name);
  };

  // 1. Key pair and CSR, made (WebCrypto, off the main thread for RSA) while the transport
  //    opens and the handshake runs; awaited only when the CSR is sent (step 4). Native
  //    myproxy-logon likewise has the network round trips before its key generation.
  step('generating-key');
  let prepared: PreparedKey | undefined;
  const keyed = prepareKey(options).then((key) => (prepared = key));
  const csr = keyed.then((key) => key.csr);
  // Both are awaited below; an earlier failure (connect, handshake, OK₁) must not leave them unhandled.
  keyed.catch(() => undefined);
  csr.catch(() => undefined);

  // 2. Transport.
  step('connecting');
  const transport = open.add(await options.openTransport());

  // 3. TLS.
  step('handshake');
  const clientCertificate = options.clientCertificate ?? (options.authorization ? { chain: options.authorization.chain, privateKey: options.authorization.privateKey } : undefined);
  const tls = open.add(
    await connectTls(transport, {
      ...(clientCertificate ? { clientCertificate } : {}),
      serverName: options.serverName,
      trustRoots: options.trustRoots,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      ...(options.checkIdentity ? { checkIdentity: options.checkIdentity } : {}),
    }),
  );

  // 4. MyProxy GET.
  options.onTlsConnected?.({ protocol: tls.protocol, cipherSuite: tls.cipherSuite });
  step('requesting');
  const exchange = await getDelegationExchange(
    tls,
    {
      username: options.username,
      passphrase: options.passphrase,
      lifetimeSeconds: options.lifetimeSeconds,
      ...(options.credentialName !== undefined ? { credentialName: options.credentialName } : {}),
      ...(options.trustedCerts ? { trustedCerts: true } : {}),
    },
    csr,
    {
      responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      ...(options.authorization ? { authorization: options.authorization } : {}),
    },
  ).catch((error: unknown) => {
    // A refusal can concern the key only once the CSR was sent, so once the key was ready.
    throw explainKeyRefusal(error, prepared?.keyPair.publicKey);
  });
  const certificates = exchange.chain;
  const { keyPair, ourSpki } = await keyed;

  // 5. The credential: the issued certificate must carry our public key.
  const credential: LogonResult = {
    ...checkIssuedChain(certificates, ourSpki, 'we sent'),
    privateKey: keyPair.privateKey,
    ...(options.trustedCerts ? { trustRoots: parseTrustRoots(exchange.firstResponse) } : {}),
  };
  step('done');
  return credential;
}

/**
 * CA-mode servers answer a non-RSA key with only "Certificate generation failure." (protocol
 * notes §4.2, §6); for an EC key the server's text is kept and the likely reason added.
 */
export function explainKeyRefusal(error: unknown, publicKey: CryptoKey | undefined): unknown {
  if (
    publicKey && isEcKey(publicKey) &&
    error instanceof MyProxyWebError && error.code === 'MYPROXY_REJECTED' && /certificate generation failure/i.test(error.message)
  ) {
    return new MyProxyWebError(
      'MYPROXY_REJECTED',
      `${error.message}\n(The request carried an EC key; MyProxy servers in CA mode issue certificates for RSA keys only. Use an RSA key, e.g. key type rsa-2048.)`,
      { cause: error },
    );
  }
  return error;
}

export { validate as validateLogonOptions };
