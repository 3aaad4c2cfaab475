/**
 * AES-GCM record protection for TLS 1.2 (RFC 5246 §6.2.3.3, RFC 5288 §3) with WebCrypto:
 * nonce = 4-byte implicit salt (the write IV) || 8-byte explicit nonce sent in each record;
 * additional data = seq_num || type || version || plaintext length. We send the sequence
 * number as the explicit nonce (RFC 5288 §3 allows it), so a nonce never repeats under one key.
 */
import { concatBytes } from '../bytes/bytes.js';
import { tlsError } from './alerts.js';
import type { Tls12CipherSuiteInfo } from './cipher-suites.js';
import { bufferSource } from './codec.js';
import { MAX_CIPHERTEXT_LENGTH_TLS12, MAX_PLAINTEXT_LENGTH, TLS12_VERSION } from './constants.js';
import { tls12Prf } from './prf12.js';
import type { InnerPlaintext } from './record-protection.js';

const TAG_LENGTH = 16;
const EXPLICIT_NONCE_LENGTH = 8;
/** RFC 5246 §6.1: sequence numbers must not wrap; renegotiation is refused, so the connection ends instead. */
const MAX_SEQUENCE = 2n ** 64n - 1n;

export interface Tls12DirectionKeys {
  key: Uint8Array;
  iv: Uint8Array;
}

/** RFC 5246 §6.3 key_block = PRF(master_secret, "key expansion", server_random + client_random); AEAD suites have no MAC keys. */
export async function deriveTls12Keys(
  suite: Tls12CipherSuiteInfo,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Promise<{ client: Tls12DirectionKeys; server: Tls12DirectionKeys }> {
  const k = suite.keyLength;
  const iv = suite.fixedIvLength;
  const block = await tls12Prf(suite.hash, masterSecret, 'key expansion', concatBytes(serverRandom, clientRandom), 2 * k + 2 * iv);
  return {
    client: { key: block.slice(0, k), iv: block.slice(2 * k, 2 * k + iv) },
    server: { key: block.slice(k, 2 * k), iv: block.slice(2 * k + iv, 2 * k + 2 * iv) },
  };
}

function u64(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

export class RecordProtection12 {
  /** RFC 5246 §6.2.3: TLSCiphertext.length must not exceed 2^14 + 2048. */
  readonly maxCiphertextLength = MAX_CIPHERTEXT_LENGTH_TLS12;
  /** The content type travels in the clear in TLS 1.2 (RFC 5246 §6.2.3). */
  readonly hidesContentType = false;
  private sequence = 0n;

  private constructor(
    readonly suite: Tls12CipherSuiteInfo,
    private readonly key: CryptoKey,
    private readonly salt: Uint8Array,
  ) {}

  /** One direction's protection; RFC 5246 §6.1: its sequence number starts at 0 after ChangeCipherSpec. */
  static async create(suite: Tls12CipherSuiteInfo, keys: Tls12DirectionKeys): Promise<RecordProtection12> {
    const key = await globalThis.crypto.subtle.importKey('raw', bufferSource(keys.key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    return new RecordProtection12(suite, key, keys.iv.slice());
  }

  /** Taken synchronously so that concurrent callers stay in record order. */
  private nextSequence(): bigint {
    if (this.sequence >= MAX_SEQUENCE) throw tlsError('TLS_PROTOCOL_ERROR', 'internal_error', 'TLS sequence number exhausted');
    return this.sequence++;
  }

  private static additionalData(sequence: bigint, type: number, version: number, length: number): Uint8Array<ArrayBuffer> {
    return bufferSource(concatBytes(u64(sequence), new Uint8Array([type, version >> 8, version & 0xff, length >> 8, length & 0xff])));
  }

  /** GenericAEADCipher (RFC 5246 §6.2.3.3): header || nonce_explicit || AES-GCM(content) || tag. */
  async seal(type: number, content: Uint8Array): Promise<Uint8Array> {
    const sequence = this.nextSequence();
    const explicit = u64(sequence);
    const nonce = bufferSource(concatBytes(this.salt, explicit));
    const aad = RecordProtection12.additionalData(sequence, type, TLS12_VERSION, content.length);
    const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, this.key, bufferSource(content)));
    const length = EXPLICIT_NONCE_LENGTH + sealed.length;
    const header = new Uint8Array([type, TLS12_VERSION >> 8, TLS12_VERSION & 0xff, length >> 8, length & 0xff]);
    return concatBytes(header, explicit, sealed);
  }

  /** Opens one record; the content type is the record header's (RFC 5246 §6.2.3.3). */
  async open(header: Uint8Array, encrypted: Uint8Array): Promise<InnerPlaintext> {
    if (encrypted.length > MAX_CIPHERTEXT_LENGTH_TLS12) {
      throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `encrypted record of ${encrypted.length} bytes exceeds 2^14+2048`);
    }
    if (encrypted.length < EXPLICIT_NONCE_LENGTH + TAG_LENGTH) throw tlsError('TLS_BAD_RECORD_MAC', 'bad_record_mac', 'encrypted record too short');
    const sequence = this.nextSequence();
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    const plainLength = encrypted.length - EXPLICIT_NONCE_LENGTH - TAG_LENGTH;
    const nonce = bufferSource(concatBytes(this.salt, encrypted.subarray(0, EXPLICIT_NONCE_LENGTH)));
    const aad = RecordProtection12.additionalData(sequence, type, version, plainLength);
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad, tagLength: 128 }, this.key, bufferSource(encrypted.slice(EXPLICIT_NONCE_LENGTH))),
      );
    } catch (cause) {
      throw tlsError('TLS_BAD_RECORD_MAC', 'bad_record_mac', 'record authentication failed (bad_record_mac)', { cause });
    }
    // RFC 5246 §6.2.3: the plaintext may not exceed 2^14 either.
    if (plain.length > MAX_PLAINTEXT_LENGTH) throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `decrypted record of ${plain.length} bytes exceeds 2^14`);
    return { type, content: plain };
  }
}
