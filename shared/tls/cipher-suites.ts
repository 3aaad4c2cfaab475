/** The cipher suites this client offers: TLS 1.3 (RFC 8446 §B.4) and TLS 1.2 ECDHE (RFC 5289), all AES-GCM via WebCrypto. */
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

/** The TLS 1.2 AES-GCM suites with ECDHE (RFC 5289 §3.2, RFC 5288 §3): the PRF hash is the suite's hash. */
export interface Tls12CipherSuiteInfo {
  id: number;
  name:
    | 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'
    | 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'
    | 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'
    | 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384';
  hash: HashName;
  hashLength: number;
  keyLength: number;
  /** RFC 5288 §3: the implicit part of the GCM nonce (client_write_IV / server_write_IV), 4 bytes. */
  fixedIvLength: 4;
  /** Which server key signs the ServerKeyExchange (RFC 8422 §2.1, §2.2). */
  auth: 'RSA' | 'ECDSA';
}

function gcm12(id: number, name: Tls12CipherSuiteInfo['name'], auth: 'RSA' | 'ECDSA', aes256: boolean): Tls12CipherSuiteInfo {
  return aes256
    ? { id, name, hash: 'SHA-384', hashLength: 48, keyLength: 32, fixedIvLength: 4, auth }
    : { id, name, hash: 'SHA-256', hashLength: 32, keyLength: 16, fixedIvLength: 4, auth };
}

/** Offered after the TLS 1.3 suites, in this order (ECDSA first, AES-128 first, like Go and rustls). */
export const TLS12_CIPHER_SUITES: readonly Tls12CipherSuiteInfo[] = [
  gcm12(0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDSA', false),
  gcm12(0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'RSA', false),
  gcm12(0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDSA', true),
  gcm12(0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'RSA', true),
];

export type CipherSuiteName = CipherSuiteInfo['name'] | Tls12CipherSuiteInfo['name'];

export function tls12CipherSuiteById(id: number): Tls12CipherSuiteInfo {
  const suite = TLS12_CIPHER_SUITES.find((candidate) => candidate.id === id);
  if (!suite) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server chose TLS 1.2 cipher suite 0x${id.toString(16).padStart(4, '0')}, which was not offered`);
  return suite;
}
