/**
 * The other shapes of myproxy-logon: with the caller's own certificate request (-Q: certificates
 * only, no key), and authentication only (-N: request and first OK, no certificate).
 */
import { MyProxyWebError } from '../errors.js';
import { ensurePkijsEngine } from '../pki/engine.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, explainKeyRefusal, type LogonOptions, validateLogonOptions } from './client.js';
import { checkIssuedChain } from './issued.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, getDelegationExchange, type DelegationRequest } from './logon.js';
import type { TlsConnection } from '../tls/index.js';
import { withMyProxyConnection } from './session.js';
import { parseTrustRoots, type TrustRootFiles } from './trustroots.js';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** Options shared by the variants: a logon without a key of ours. */
export type LogonRequestOptions = Omit<LogonOptions, 'keyPair' | 'keyType' | 'extractableKey' | 'onProgress'>;

export interface IssuedCertificates {
  /** DER of the issued certificate (its public key is the CSR's). */
  certificate: Uint8Array;
  /** DER of the rest of the chain as sent (issuer first). */
  chain: Uint8Array[];
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isProxy: boolean;
  /** The server's trust-root files, when `trustedCerts` was set. */
  trustRoots?: TrustRootFiles;
}

function delegationRequest(options: LogonRequestOptions): DelegationRequest {
  return {
    username: options.username,
    passphrase: options.passphrase,
    lifetimeSeconds: options.lifetimeSeconds,
    ...(options.credentialName !== undefined ? { credentialName: options.credentialName } : {}),
    ...(options.trustedCerts ? { trustedCerts: true } : {}),
  };
}

/** Reports the negotiated TLS version to `onTlsConnected`, as logon() does; always undefined. */
function connected(options: LogonRequestOptions, tls: TlsConnection): undefined {
  options.onTlsConnected?.({ protocol: tls.protocol, cipherSuite: tls.cipherSuite });
  return undefined;
}

function connectOptions(options: LogonRequestOptions) {
  return {
    openTransport: options.openTransport,
    serverName: options.serverName,
    trustRoots: options.trustRoots,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    ...(options.checkIdentity ? { checkIdentity: options.checkIdentity } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** The SubjectPublicKeyInfo of a DER PKCS#10 request, after checking its self-signature. Throws BAD_INPUT. */
export async function csrPublicKeyInfo(csrDer: Uint8Array): Promise<Uint8Array> {
  let csr: pkijs.CertificationRequest;
  try {
    const parsed = asn1js.fromBER(csrDer);
    if (parsed.offset === -1 || parsed.offset !== csrDer.byteLength) throw new Error('not a single DER value');
    csr = new pkijs.CertificationRequest({ schema: parsed.result });
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `the certificate request cannot be parsed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  let valid = false;
  ensurePkijsEngine();
  try {
    valid = await csr.verify();
  } catch {
    valid = false;
  }
  if (!valid) throw new MyProxyWebError('BAD_INPUT', 'the certificate request is not validly self-signed');
  return new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER(false));
}

/**
 * GET with the caller's own DER PKCS#10 request (myproxy-logon -Q). Returns the certificates only;
 * the issued certificate must carry the request's public key.
 */
export async function logonWithCsr(options: LogonRequestOptions & { csr: Uint8Array }): Promise<IssuedCertificates> {
  validateLogonOptions(options);
  if (!(options.csr instanceof Uint8Array) || options.csr.length === 0) throw new MyProxyWebError('BAD_INPUT', 'no certificate request given');
  const requestSpki = await csrPublicKeyInfo(options.csr);
  const exchange = await withMyProxyConnection(connectOptions(options), 'logon', (tls) =>
    connected(options, tls) ?? getDelegationExchange(tls, delegationRequest(options), options.csr, {
      responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    }),
  ).catch(async (error: unknown) => {
    throw explainKeyRefusal(error, await importForCheck(requestSpki));
  });
  return {
    ...checkIssuedChain(exchange.chain, requestSpki, 'of the certificate request'),
    ...(options.trustedCerts ? { trustRoots: parseTrustRoots(exchange.firstResponse) } : {}),
  };
}

/** An EC public key from a SubjectPublicKeyInfo, only to tell explainKeyRefusal the key type; undefined for others. */
async function importForCheck(spki: Uint8Array): Promise<CryptoKey | undefined> {
  try {
    return await globalThis.crypto.subtle.importKey('spki', new Uint8Array(spki), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  } catch {
    return undefined;
  }
}

/**
 * Authentication only (myproxy-logon -N): the request and the first OK, then the connection is
 * closed without a certificate request. Resolves if the server accepted the user name and pass
 * phrase; with `trustedCerts` it also returns the server's trust-root files.
 */
export async function logonNoCredentials(options: LogonRequestOptions): Promise<{ trustRoots?: TrustRootFiles }> {
  validateLogonOptions(options);
  const exchange = await withMyProxyConnection(connectOptions(options), 'logon', (tls) =>
    connected(options, tls) ?? getDelegationExchange(tls, delegationRequest(options), undefined, {
      responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    }),
  );
  return options.trustedCerts ? { trustRoots: parseTrustRoots(exchange.firstResponse) } : {};
}
