/**
 * AEAD record protection for TLS 1.3 (RFC 8446 §5.2–§5.3) with WebCrypto AES-GCM:
 * per-record nonce = IV XOR 64-bit sequence number, additional data = the record header.
 */
import { tlsError } from './alerts.js';
import type { CipherSuiteInfo } from './cipher-suites.js';
import { bufferSource } from './codec.js';
import { ContentType, MAX_CIPHERTEXT_LENGTH, MAX_INNER_PLAINTEXT_LENGTH, TLS12_VERSION } from './constants.js';
import { trafficKeys } from './key-schedule.js';

const TAG_LENGTH = 16;
/** RFC 8446 §5.5: keys must be updated long before the sequence number wraps. */
const MAX_SEQUENCE = 2n ** 64n - 1n;

export interface InnerPlaintext {
  type: number;
  content: Uint8Array;
}

export class RecordProtection {
  private sequence = 0n;

  private constructor(
    readonly suite: CipherSuiteInfo,
    /** The traffic secret these keys came from; KeyUpdate derives the next one from it. */
    readonly secret: Uint8Array,
    private readonly key: CryptoKey,
    private readonly iv: Uint8Array,
  ) {}

  static async create(suite: CipherSuiteInfo, secret: Uint8Array): Promise<RecordProtection> {
    const { key, iv } = await trafficKeys(suite, secret);
    const cryptoKey = await globalThis.crypto.subtle.importKey('raw', bufferSource(key), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
    return new RecordProtection(suite, secret, cryptoKey, iv);
  }

  /** RFC 8446 §5.3; takes the sequence number synchronously so concurrent callers stay ordered. */
  private nextNonce(): Uint8Array<ArrayBuffer> {
    if (this.sequence >= MAX_SEQUENCE) throw tlsError('TLS_PROTOCOL_ERROR', 'internal_error', 'TLS sequence number exhausted');
    const nonce = new Uint8Array(this.iv);
    let seq = this.sequence++;
    for (let i = nonce.length - 1; i >= nonce.length - 8; i--) {
      nonce[i]! ^= Number(seq & 0xffn);
      seq >>= 8n;
    }
    return nonce;
  }

  /** Protects one record: TLSInnerPlaintext = content || type (no padding), returns header || ciphertext. */
  async seal(type: number, content: Uint8Array): Promise<Uint8Array> {
    const nonce = this.nextNonce();
    const inner = new Uint8Array(content.length + 1);
    inner.set(content, 0);
    inner[content.length] = type;
    const length = inner.length + TAG_LENGTH;
    const header = new Uint8Array([ContentType.applicationData, TLS12_VERSION >> 8, TLS12_VERSION & 0xff, length >> 8, length & 0xff]);
    const sealed = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: header, tagLength: 128 }, this.key, inner);
    const record = new Uint8Array(5 + sealed.byteLength);
    record.set(header, 0);
    record.set(new Uint8Array(sealed), 5);
    return record;
  }

  /** Removes protection from one record (header + encrypted_record) and strips padding (RFC 8446 §5.4). */
  async open(header: Uint8Array, encrypted: Uint8Array): Promise<InnerPlaintext> {
    if (encrypted.length > MAX_CIPHERTEXT_LENGTH) {
      throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `encrypted record of ${encrypted.length} bytes exceeds 2^14+256`);
    }
    if (encrypted.length < TAG_LENGTH + 1) throw tlsError('TLS_BAD_RECORD_MAC', 'bad_record_mac', 'encrypted record too short');
    const nonce = this.nextNonce();
    let plain: Uint8Array;
    try {
      plain = new Uint8Array(
        await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: bufferSource(header), tagLength: 128 }, this.key, bufferSource(encrypted)),
      );
    } catch (cause) {
      throw tlsError('TLS_BAD_RECORD_MAC', 'bad_record_mac', 'record authentication failed (bad_record_mac)', { cause });
    }
    if (plain.length > MAX_INNER_PLAINTEXT_LENGTH) {
      throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `decrypted record of ${plain.length} bytes exceeds 2^14+1`);
    }
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'encrypted record has no content type');
    return { type: plain[end]!, content: plain.subarray(0, end) };
  }
}
