/**
 * The AEAD under TLS record protection: AES-GCM (NIST SP 800-38D) with WebCrypto, restricted to
 * what the TLS AES-GCM suites use (RFC 8446 §5.3, RFC 5288 §3): 128- or 256-bit keys, 96-bit
 * nonces, 128-bit tags. Callers build nonces and additional data; this layer only seals and opens.
 */
import { bufferSource } from './codec.js';

export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

/** Imports a raw AES-GCM key of 16 or 32 bytes for sealing and opening. */
export function importAeadKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 16 && raw.length !== 32) throw new RangeError(`AES-GCM key of ${raw.length} bytes; TLS uses 16 or 32`);
  return globalThis.crypto.subtle.importKey('raw', bufferSource(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== AEAD_NONCE_LENGTH) throw new RangeError(`AES-GCM nonce of ${nonce.length} bytes; TLS uses ${AEAD_NONCE_LENGTH}`);
}

/** AEAD-Encrypt: ciphertext || 16-byte tag. */
export async function aeadSeal(key: CryptoKey, nonce: Uint8Array, additionalData: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  checkNonce(nonce);
  const params = { name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(additionalData), tagLength: 128 };
  return new Uint8Array(await globalThis.crypto.subtle.encrypt(params, key, bufferSource(plaintext)));
}

/** AEAD-Decrypt of ciphertext || tag; undefined when authentication fails (the caller picks the alert). */
export async function aeadOpen(key: CryptoKey, nonce: Uint8Array, additionalData: Uint8Array, sealed: Uint8Array): Promise<Uint8Array | undefined> {
  checkNonce(nonce);
  if (sealed.length < AEAD_TAG_LENGTH) return undefined;
  const params = { name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(additionalData), tagLength: 128 };
  try {
    return new Uint8Array(await globalThis.crypto.subtle.decrypt(params, key, bufferSource(sealed)));
  } catch {
    return undefined;
  }
}
