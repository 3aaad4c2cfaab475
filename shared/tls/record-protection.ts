/**
 * AEAD record protection for TLS 1.3 (RFC 8446 §5.2–§5.3) with WebCrypto AES-GCM:
 * per-record nonce = IV XOR 64-bit sequence number, additional data = the record header.
 */
import { aeadOpen, aeadSeal, importAeadKey, AEAD_TAG_LENGTH } from './aead.js';
import { tlsError } from './alerts.js';
import type { CipherSuiteInfo } from './cipher-suites.js';
import { ContentType, MAX_CIPHERTEXT_LENGTH, MAX_INNER_PLAINTEXT_LENGTH, TLS12_VERSION } from './constants.js';
import { trafficKeys } from './key-schedule.js';

const TAG_LENGTH = AEAD_TAG_LENGTH;
/** RFC 8446 §5.5: keys must be updated long before the sequence number wraps. */
const MAX_SEQUENCE = 2n ** 64n - 1n;

export interface InnerPlaintext {
  type: number;
  content: Uint8Array;
}

export class RecordProtection {
  /** RFC 8446 §5.2: encrypted_record is at most 2^14 + 256 bytes. */
  readonly maxCiphertextLength = MAX_CIPHERTEXT_LENGTH;
  /** RFC 8446 §5.2: the real content type is inside the encryption; the outer type is always application_data. */
  readonly hidesContentType = true;
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
    return new RecordProtection(suite, secret, await importAeadKey(key), iv);
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
    const sealed = await aeadSeal(this.key, nonce, header, inner);
    const record = new Uint8Array(5 + sealed.length);
    record.set(header, 0);
    record.set(sealed, 5);
    return record;
  }

  /** Removes protection from one record (header + encrypted_record) and strips padding (RFC 8446 §5.4). */
  async open(header: Uint8Array, encrypted: Uint8Array): Promise<InnerPlaintext> {
    if (encrypted.length > MAX_CIPHERTEXT_LENGTH) {
      throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `encrypted record of ${encrypted.length} bytes exceeds 2^14+256`);
    }
    if (encrypted.length < TAG_LENGTH + 1) throw tlsError('TLS_BAD_RECORD_MAC', 'bad_record_mac', 'encrypted record too short');
    const nonce = this.nextNonce();
    const plain = await aeadOpen(this.key, nonce, header, encrypted);
    if (!plain) throw tlsError('TLS_BAD_RECORD_MAC', 'bad_record_mac', 'record authentication failed (bad_record_mac)');
    if (plain.length > MAX_INNER_PLAINTEXT_LENGTH) {
      throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `decrypted record of ${plain.length} bytes exceeds 2^14+1`);
    }
    let end = plain.length - 1;
    while (end >= 0 && plain[end] === 0) end--;
    if (end < 0) throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'encrypted record has no content type');
    return { type: plain[end]!, content: plain.subarray(0, end) };
  }
}
