/** The TLS 1.3 cipher suites this client offers (RFC 8446 §B.4), all AES-GCM via WebCrypto. */
import { tlsError } from './alerts.js';

export type HashName = 'SHA-256' | 'SHA-384';

export interface CipherSuiteInfo {
  id: number;
  name: 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384';
  hash: HashName;
  hashLength: number;
  /** AES key length in bytes. */
  keyLength: number;
  /** RFC 8446 §5.3: per-record nonce length, 12 for AES-GCM. */
  ivLength: number;
}

export const TLS_AES_128_GCM_SHA256: CipherSuiteInfo = {
  id: 0x1301,
  name: 'TLS_AES_128_GCM_SHA256',
  hash: 'SHA-256',
  hashLength: 32,
  keyLength: 16,
  ivLength: 12,
};

export const TLS_AES_256_GCM_SHA384: CipherSuiteInfo = {
  id: 0x1302,
  name: 'TLS_AES_256_GCM_SHA384',
  hash: 'SHA-384',
  hashLength: 48,
  keyLength: 32,
  ivLength: 12,
};

/** Offered in this order. */
export const CIPHER_SUITES: readonly CipherSuiteInfo[] = [TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384];

export function cipherSuiteById(id: number): CipherSuiteInfo {
  const suite = CIPHER_SUITES.find((candidate) => candidate.id === id);
  if (!suite) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server chose cipher suite 0x${id.toString(16).padStart(4, '0')}, which was not offered`);
  return suite;
}
