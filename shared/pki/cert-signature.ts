/**
 * A certificate's signature checked with WebCrypto directly over the signed bytes (RFC 5280 §4.1.1.3:
 * the signature is computed over the DER of tbsCertificate), with the issuer's public key imported
 * once per issuer and algorithm. pkijs `Certificate.verify` does the same computation but re-encodes
 * the issuer's key and re-imports it every time; it remains the fallback for every case this fast
 * path does not cover (RSASSA-PSS, other key types, keys or signatures it cannot import or decode),
 * and it confirms every negative answer, so the outcome is pkijs's in all cases.
 */
import * as asn1js from 'asn1js';
import { ecdsaDerToRaw } from '../tls/ecdsa-der.js';
import type { PathCert } from './path-checks.js';

type Hash = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** RFC 4055 §5 sha*WithRSAEncryption and RFC 5758 §3.2 ecdsa-with-SHA*. */
const SIGNATURES: Record<string, { kind: 'RSASSA-PKCS1-v1_5' | 'ECDSA'; hash: Hash }> = {
  '1.2.840.113549.1.1.11': { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
  '1.2.840.10045.4.3.2': { kind: 'ECDSA', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { kind: 'ECDSA', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { kind: 'ECDSA', hash: 'SHA-512' },
};
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
/** RFC 5480 §2.1.1.1 named curves and their field sizes in bytes. */
const CURVES: Record<string, { name: 'P-256' | 'P-384' | 'P-521'; size: number }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', size: 32 },
  '1.3.132.0.34': { name: 'P-384', size: 48 },
  '1.3.132.0.35': { name: 'P-521', size: 66 },
};

/** Imported issuer keys by issuer and import parameters; undefined when WebCrypto refused the key. */
const issuerKeys = new WeakMap<PathCert, Map<string, Promise<CryptoKey | undefined>>>();

function importIssuerKey(issuer: PathCert, params: RsaHashedImportParams | EcKeyImportParams, cacheKey: string): Promise<CryptoKey | undefined> {
  let byParams = issuerKeys.get(issuer);
  if (!byParams) issuerKeys.set(issuer, (byParams = new Map()));
  let key = byParams.get(cacheKey);
  if (!key) {
    // The same SubjectPublicKeyInfo encoding pkijs would import (PathCerts are immutable, so it is done once).
    const spki = issuer.memoized('spkiDer', () => new Uint8Array(issuer.cert.subjectPublicKeyInfo.toSchema().toBER(false)));
    key = globalThis.crypto.subtle.importKey('spki', spki, params, false, ['verify']).then(
      (imported) => imported,
      () => undefined,
    );
    byParams.set(cacheKey, key);
  }
  return key;
}

/** true/false when WebCrypto gave a definite answer for a case it covers, undefined otherwise. */
async function fastVerify(child: PathCert, issuer: PathCert): Promise<boolean | undefined> {
  const signature = SIGNATURES[child.cert.signatureAlgorithm.algorithmId];
  // RFC 4055 §5 / RFC 5758 §3.2: parameters are NULL or absent for these; anything else goes to pkijs.
  const sigParams: unknown = child.cert.signatureAlgorithm.algorithmParams;
  if (!signature || (sigParams !== undefined && !(sigParams instanceof asn1js.Null))) return undefined;
  const spki = issuer.cert.subjectPublicKeyInfo;
  const value = child.cert.signatureValue.valueBlock.valueHexView;
  const tbs = child.cert.tbsView;
  const subtle = globalThis.crypto.subtle;
  try {
    if (signature.kind === 'RSASSA-PKCS1-v1_5') {
      if (spki.algorithm.algorithmId !== RSA_ENCRYPTION) return undefined;
      const key = await importIssuerKey(issuer, { name: signature.kind, hash: signature.hash }, `rsa/${signature.hash}`);
      return key ? await subtle.verify(signature.kind, key, value.slice(), tbs.slice()) : undefined;
    }
    const params: unknown = spki.algorithm.algorithmParams;
    const curve = spki.algorithm.algorithmId === EC_PUBLIC_KEY && params instanceof asn1js.ObjectIdentifier ? CURVES[params.getValue()] : undefined;
    if (!curve) return undefined;
    const key = await importIssuerKey(issuer, { name: 'ECDSA', namedCurve: curve.name }, `ec/${curve.name}`);
    if (!key) return undefined;
    // RFC 5480 §2.2.3 (RFC 3279 §2.2.3): the value is a DER ECDSA-Sig-Value; WebCrypto wants r || s.
    const raw = ecdsaDerToRaw(value, curve.size);
    return await subtle.verify({ name: 'ECDSA', hash: signature.hash }, key, raw.slice(), tbs.slice());
  } catch {
    return undefined;
  }
}

/**
 * Whether `issuer`'s key verifies `child`'s signature. Errors count as "does not verify", as they
 * did with pkijs alone.
 */
export async function verifyCertificateSignature(child: PathCert, issuer: PathCert): Promise<boolean> {
  if ((await fastVerify(child, issuer)) === true) return true;
  try {
    return await child.cert.verify(issuer.cert);
  } catch {
    return false;
  }
}
