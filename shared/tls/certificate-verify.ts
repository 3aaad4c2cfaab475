/** Verification of the server's CertificateVerify signature (RFC 8446 §4.4.3) with WebCrypto. */
import { concatBytes, utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { ecCurveOid, parseCertificate } from '../pki/x509.js';
import { tlsError } from './alerts.js';
import { bufferSource } from './codec.js';
import { HANDSHAKE_SIGNATURE_SCHEMES, SignatureScheme } from './constants.js';
import { ecdsaDerToRaw } from './ecdsa-der.js';

type Verifier =
  | { kind: 'pss'; hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; saltLength: number }
  | { kind: 'ecdsa'; hash: 'SHA-256' | 'SHA-384'; curve: 'P-256' | 'P-384'; size: number };

const VERIFIERS = new Map<number, Verifier>([
  [SignatureScheme.rsa_pss_rsae_sha256, { kind: 'pss', hash: 'SHA-256', saltLength: 32 }],
  [SignatureScheme.rsa_pss_rsae_sha384, { kind: 'pss', hash: 'SHA-384', saltLength: 48 }],
  [SignatureScheme.rsa_pss_rsae_sha512, { kind: 'pss', hash: 'SHA-512', saltLength: 64 }],
  [SignatureScheme.ecdsa_secp256r1_sha256, { kind: 'ecdsa', hash: 'SHA-256', curve: 'P-256', size: 32 }],
  [SignatureScheme.ecdsa_secp384r1_sha384, { kind: 'ecdsa', hash: 'SHA-384', curve: 'P-384', size: 48 }],
]);

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const CURVE_OIDS: Record<string, string> = { 'P-256': '1.2.840.10045.3.1.7', 'P-384': '1.3.132.0.34' };

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash. */
export function certificateVerifyContent(transcriptHash: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(64).fill(0x20);
  return concatBytes(prefix, utf8Encode('TLS 1.3, server CertificateVerify'), new Uint8Array([0]), transcriptHash);
}

export async function verifyServerSignature(leafDer: Uint8Array, scheme: number, signature: Uint8Array, transcriptHash: Uint8Array): Promise<void> {
  const verifier = VERIFIERS.get(scheme);
  if (!verifier || !HANDSHAKE_SIGNATURE_SCHEMES.includes(scheme)) {
    throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server signed with scheme 0x${scheme.toString(16)}, which was not offered`);
  }
  const certificate = parseCertificate(leafDer);
  const spki = certificate.subjectPublicKeyInfo;
  const keyOid = spki.algorithm.algorithmId;
  const spkiDer = new Uint8Array(spki.toSchema().toBER(false));
  const content = certificateVerifyContent(transcriptHash);
  const subtle = globalThis.crypto.subtle;
  let valid: boolean;
  try {
    if (verifier.kind === 'pss') {
      // rsa_pss_rsae_*: the key must be an rsaEncryption key (RFC 8446 §4.2.3).
      if (keyOid !== RSA_ENCRYPTION) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', 'rsa_pss_rsae signature from a non-RSA key');
      const key = await subtle.importKey('spki', bufferSource(spkiDer), { name: 'RSA-PSS', hash: verifier.hash }, false, ['verify']);
      valid = await subtle.verify({ name: 'RSA-PSS', saltLength: verifier.saltLength }, key, bufferSource(signature), bufferSource(content));
    } else {
      const curveOid = ecCurveOid(certificate);
      if (keyOid !== EC_PUBLIC_KEY || curveOid !== CURVE_OIDS[verifier.curve]) {
        throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `ECDSA scheme for ${verifier.curve} does not match the certificate key`);
      }
      const raw = ecdsaDerToRaw(signature, verifier.size);
      const key = await subtle.importKey('spki', bufferSource(spkiDer), { name: 'ECDSA', namedCurve: verifier.curve }, false, ['verify']);
      valid = await subtle.verify({ name: 'ECDSA', hash: verifier.hash }, key, bufferSource(raw), bufferSource(content));
    }
  } catch (cause) {
    if (cause instanceof MyProxyWebError) {
      if (cause.code === 'TLS_BAD_SIGNATURE') throw tlsError('TLS_BAD_SIGNATURE', 'decrypt_error', cause.message, { cause });
      throw cause;
    }
    throw tlsError('TLS_BAD_SIGNATURE', 'decrypt_error', 'cannot verify the server CertificateVerify signature', { cause });
  }
  if (!valid) throw tlsError('TLS_BAD_SIGNATURE', 'decrypt_error', 'server CertificateVerify signature is invalid');
}
