/**
 * Verification of the server's handshake signatures with WebCrypto: the TLS 1.3 CertificateVerify
 * (RFC 8446 §4.4.3) and the TLS 1.2 ServerKeyExchange signature (RFC 5246 §7.4.3, RFC 8422 §5.4).
 */
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { concatBytes, utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { parseCertificate } from '../pki/x509.js';
import { tlsError } from './alerts.js';
import { bufferSource } from './codec.js';
import { HANDSHAKE_SIGNATURE_SCHEMES, SignatureScheme, TLS12_SIGNATURE_SCHEMES } from './constants.js';
import { ecdsaDerToRaw } from './ecdsa-der.js';

type Verifier =
  | { kind: 'pss'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; saltLength: number }
  | { kind: 'pkcs1'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512' }
  | { kind: 'ecdsa'; hash: 'SHA-256' | 'SHA-384'; curve: 'P-256' | 'P-384' };

const VERIFIERS = new Map<number, Verifier>([
  [SignatureScheme.rsa_pss_rsae_sha256, { kind: 'pss', hash: 'SHA-256', saltLength: 32 }],
  [SignatureScheme.rsa_pss_rsae_sha384, { kind: 'pss', hash: 'SHA-384', saltLength: 48 }],
  [SignatureScheme.rsa_pss_rsae_sha512, { kind: 'pss', hash: 'SHA-512', saltLength: 64 }],
  [SignatureScheme.rsa_pkcs1_sha256, { kind: 'pkcs1', hash: 'SHA-256' }],
  [SignatureScheme.rsa_pkcs1_sha384, { kind: 'pkcs1', hash: 'SHA-384' }],
  [SignatureScheme.rsa_pkcs1_sha512, { kind: 'pkcs1', hash: 'SHA-512' }],
  [SignatureScheme.ecdsa_secp256r1_sha256, { kind: 'ecdsa', hash: 'SHA-256', curve: 'P-256' }],
  [SignatureScheme.ecdsa_secp384r1_sha384, { kind: 'ecdsa', hash: 'SHA-384', curve: 'P-384' }],
]);

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const CURVES: Record<string, { name: 'P-256' | 'P-384'; size: number }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', size: 32 },
  '1.3.132.0.34': { name: 'P-384', size: 48 },
};

/** The signature family of a scheme we know ('rsa' for PSS and PKCS#1), or undefined. */
export function schemeKeyType(scheme: number): 'RSA' | 'ECDSA' | undefined {
  const verifier = VERIFIERS.get(scheme);
  if (!verifier) return undefined;
  return verifier.kind === 'ecdsa' ? 'ECDSA' : 'RSA';
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash. */
export function certificateVerifyContent(transcriptHash: Uint8Array, side: 'server' | 'client' = 'server'): Uint8Array {
  const prefix = new Uint8Array(64).fill(0x20);
  return concatBytes(prefix, utf8Encode(`TLS 1.3, ${side} CertificateVerify`), new Uint8Array([0]), transcriptHash);
}

export async function verifyServerSignature(leafDer: Uint8Array, scheme: number, signature: Uint8Array, transcriptHash: Uint8Array): Promise<void> {
  if (!HANDSHAKE_SIGNATURE_SCHEMES.includes(scheme)) {
    throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server signed with scheme 0x${scheme.toString(16)}, which was not offered`);
  }
  await verifySigned(leafDer, scheme, signature, certificateVerifyContent(transcriptHash), true, 'server CertificateVerify');
}

/**
 * RFC 5246 §4.7 digitally-signed over `content` (client_random + server_random + ServerECDHParams).
 * Unlike TLS 1.3, an ECDSA scheme names only the hash: the curve is the certificate's (RFC 5246 §7.4.1.4.1).
 */
export async function verifyTls12ServerSignature(leafDer: Uint8Array, scheme: number, signature: Uint8Array, content: Uint8Array): Promise<void> {
  if (!TLS12_SIGNATURE_SCHEMES.includes(scheme)) {
    throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server signed ServerKeyExchange with scheme 0x${scheme.toString(16)}, which was not offered`);
  }
  await verifySigned(leafDer, scheme, signature, content, false, 'ServerKeyExchange');
}

async function verifySigned(leafDer: Uint8Array, scheme: number, signature: Uint8Array, content: Uint8Array, strictCurve: boolean, what: string): Promise<void> {
  await verifyWithPublicKey(parseCertificate(leafDer).subjectPublicKeyInfo, scheme, signature, content, strictCurve, what);
}

/**
 * Imported server keys by parsed SubjectPublicKeyInfo and import parameters. Parsed certificates are
 * cached by content (shared/pki/der-cache.ts), so reconnecting to the same server imports its key once.
 * Failed imports are not kept.
 */
const verifyKeys = new WeakMap<pkijs.PublicKeyInfo, Map<string, Promise<CryptoKey>>>();

function importVerifyKey(spki: pkijs.PublicKeyInfo, params: RsaHashedImportParams | EcKeyImportParams): Promise<CryptoKey> {
  const cacheKey = 'hash' in params ? `${params.name}/${String(params.hash)}` : `${params.name}/${params.namedCurve}`;
  let byParams = verifyKeys.get(spki);
  if (!byParams) verifyKeys.set(spki, (byParams = new Map()));
  let key = byParams.get(cacheKey);
  if (!key) {
    const spkiDer = new Uint8Array(spki.toSchema().toBER(false));
    key = globalThis.crypto.subtle.importKey('spki', bufferSource(spkiDer), params, false, ['verify']);
    const cache = byParams;
    key.catch(() => cache.delete(cacheKey));
    byParams.set(cacheKey, key);
  }
  return key;
}

/**
 * Verifies `signature` over `content` under `spki` with signature scheme `scheme` (RFC 8446 §4.2.3);
 * `strictCurve`: the ECDSA scheme must name the key's curve (TLS 1.3). Throws TLS_BAD_SIGNATURE
 * (or TLS_HANDSHAKE_FAILURE for a scheme/key mismatch). Exported for the Wycheproof tests.
 */
export async function verifyWithPublicKey(spki: pkijs.PublicKeyInfo, scheme: number, signature: Uint8Array, content: Uint8Array, strictCurve: boolean, what: string): Promise<void> {
  const verifier = VERIFIERS.get(scheme);
  if (!verifier) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `unknown signature scheme 0x${scheme.toString(16)}`);
  const curveParams: unknown = spki.algorithm.algorithmParams;
  const curveOid = curveParams instanceof asn1js.ObjectIdentifier ? curveParams.getValue() : undefined;
  const keyOid = spki.algorithm.algorithmId;
  const subtle = globalThis.crypto.subtle;
  let valid: boolean;
  try {
    if (verifier.kind !== 'ecdsa') {
      // rsa_pss_rsae_* and rsa_pkcs1_*: the key must be an rsaEncryption key (RFC 8446 §4.2.3).
      if (keyOid !== RSA_ENCRYPTION) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `RSA signature in ${what} from a non-RSA key`);
      const name = verifier.kind === 'pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
      const key = await importVerifyKey(spki, { name, hash: verifier.hash });
      const params = verifier.kind === 'pss' ? { name, saltLength: verifier.saltLength } : { name };
      valid = await subtle.verify(params, key, bufferSource(signature), bufferSource(content));
    } else {
      const curve = keyOid === EC_PUBLIC_KEY ? CURVES[curveOid ?? ''] : undefined;
      if (!curve || (strictCurve && curve.name !== verifier.curve)) {
        throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `ECDSA scheme for ${verifier.curve} does not match the certificate key`);
      }
      const raw = ecdsaDerToRaw(signature, curve.size);
      const key = await importVerifyKey(spki, { name: 'ECDSA', namedCurve: curve.name });
      valid = await subtle.verify({ name: 'ECDSA', hash: verifier.hash }, key, bufferSource(raw), bufferSource(content));
    }
  } catch (cause) {
    if (cause instanceof MyProxyWebError) {
      if (cause.code === 'TLS_BAD_SIGNATURE') throw tlsError('TLS_BAD_SIGNATURE', 'decrypt_error', cause.message, { cause });
      throw cause;
    }
    throw tlsError('TLS_BAD_SIGNATURE', 'decrypt_error', `cannot verify the ${what} signature`, { cause });
  }
  if (!valid) throw tlsError('TLS_BAD_SIGNATURE', 'decrypt_error', `${what} signature is invalid`);
}
