/**
 * AUTHORIZATION responses (RESPONSE=2, protocol notes §2.9): certificate-based renewal.
 * The server sends `AUTHORIZATION_DATA=<method>:<challenge>` lines; the client answers with one
 * binary message: 4 header bytes [method id, 0, 0, 0], a uint32 big-endian signature length,
 * an RSA PKCS#1 v1.5 signature over the ASCII challenge, then count byte + DER certificates of
 * the credential being renewed (`myproxy_handle_authorization`, `auth_cert_create_client_data_ex`).
 */
import { concatBytes, utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import type { MyProxyResponse } from './codec.js';
import { encodeChain } from './put.js';

/** Method ids (myproxy_authorization.h): 1 password, 2 X509_certificate (SHA-1), 3 SASL, 4 X509_certificate_SHA256. */
export const AuthorizationMethod = { password: 1, certificate: 2, sasl: 3, certificateSha256: 4 } as const;

/** The credential being renewed (myproxy-logon -a): also the TLS client certificate. */
export interface RenewalCredential {
  /** DER, leaf first. */
  chain: readonly Uint8Array[];
  /** RSASSA-PKCS1-v1_5 key; for the SHA-1 method it must be extractable (or give `privateKeySha1`). */
  privateKey: CryptoKey;
  privateKeySha1?: CryptoKey;
}

export interface AuthorizationChallenge {
  method: string;
  challenge: string;
}

export function authorizationChallenges(response: MyProxyResponse): AuthorizationChallenge[] {
  return (response.fields.get('AUTHORIZATION_DATA') ?? []).map((value) => {
    const colon = value.indexOf(':');
    return colon < 0 ? { method: value, challenge: '' } : { method: value.slice(0, colon), challenge: value.slice(colon + 1) };
  });
}

async function keyWithHash(credential: RenewalCredential, hash: 'SHA-1' | 'SHA-256'): Promise<CryptoKey> {
  const key = credential.privateKey;
  const current = ((key.algorithm as RsaHashedKeyAlgorithm).hash?.name ?? '').toUpperCase();
  if (key.algorithm.name === 'RSASSA-PKCS1-v1_5' && current === hash) return key;
  if (hash === 'SHA-1' && credential.privateKeySha1) return credential.privateKeySha1;
  if (!key.extractable) throw new MyProxyWebError('BAD_INPUT', `the renewal key cannot sign with RSA PKCS#1 v1.5 ${hash}`);
  const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', key));
  try {
    return await globalThis.crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['sign']);
  } finally {
    pkcs8.fill(0);
  }
}

/** The reply to a RESPONSE=2: X509_certificate_SHA256 when offered, else X509_certificate. */
export async function certificateAuthorizationReply(response: MyProxyResponse, credential: RenewalCredential): Promise<Uint8Array> {
  const offered = authorizationChallenges(response);
  const chosen = offered.find((c) => c.method === 'X509_certificate_SHA256') ?? offered.find((c) => c.method === 'X509_certificate');
  if (!chosen) {
    const names = offered.map((c) => c.method).join(', ') || 'none';
    throw new MyProxyWebError('MYPROXY_REJECTED', `the server asks for authorization by ${names}, which this client does not support`);
  }
  if (!/^[0-9a-f]{8,256}$/i.test(chosen.challenge)) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', 'malformed authorization challenge');
  const sha256 = chosen.method === 'X509_certificate_SHA256';
  const key = await keyWithHash(credential, sha256 ? 'SHA-256' : 'SHA-1');
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new Uint8Array(utf8Encode(chosen.challenge))));
  const header = new Uint8Array([sha256 ? AuthorizationMethod.certificateSha256 : AuthorizationMethod.certificate, 0, 0, 0]);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, signature.length);
  return concatBytes(header, length, signature, encodeChain(credential.chain));
}
