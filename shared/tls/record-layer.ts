/**
 * Sans-I/O TLS record layer (RFC 8446 §5): bytes in, records out, with the current read and
 * write protection. The connection feeds it transport chunks and sends what it returns.
 */
import { concatBytes, utf8Decode } from '../bytes/bytes.js';
import { tlsError } from './alerts.js';
import {
  ContentType,
  MAX_CIPHERTEXT_LENGTH,
  MAX_PLAINTEXT_LENGTH,
  RECORD_HEADER_LENGTH,
  TLS10_VERSION,
  TLS12_VERSION,
} from './constants.js';
import type { InnerPlaintext } from './record-protection.js';

/** Record protection of either version: TLS 1.3 (record-protection.ts) or TLS 1.2 AES-GCM (record-protection12.ts). */
export interface RecordProtector {
  /** Largest encrypted fragment accepted: 2^14 + 256 (RFC 8446 §5.2) or 2^14 + 2048 (RFC 5246 §6.2.3). */
  readonly maxCiphertextLength: number;
  /** TLS 1.3: the outer type is always application_data and the real one is inside. */
  readonly hidesContentType: boolean;
  seal(type: number, content: Uint8Array): Promise<Uint8Array>;
  open(header: Uint8Array, encrypted: Uint8Array): Promise<InnerPlaintext>;
}

export interface TlsRecord {
  type: number;
  content: Uint8Array;
  /** Whether the record was protected (RFC 8446 §5.2). */
  encrypted: boolean;
}

const KNOWN_TYPES: readonly number[] = [ContentType.changeCipherSpec, ContentType.alert, ContentType.handshake, ContentType.applicationData];

export class RecordLayer {
  private buffer: Uint8Array = new Uint8Array(0);
  private readProtection: RecordProtector | undefined;
  private writeProtection: RecordProtector | undefined;
  /** RFC 8446 §5: set once the first protected record arrived. */
  receivedEncrypted = false;

  get readKeys(): RecordProtector | undefined {
    return this.readProtection;
  }

  get writeKeys(): RecordProtector | undefined {
    return this.writeProtection;
  }

  setReadProtection(protection: RecordProtector): void {
    this.readProtection = protection;
  }

  setWriteProtection(protection: RecordProtector): void {
    this.writeProtection = protection;
  }

  push(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concatBytes(this.buffer, chunk);
  }

  /** True when unparsed bytes remain (a partial record at EOF is a truncation). */
  get hasBufferedBytes(): boolean {
    return this.buffer.length > 0;
  }

  /** The next record, decrypted when read protection is on; null until a whole record is buffered. */
  async nextRecord(): Promise<TlsRecord | null> {
    if (this.buffer.length < RECORD_HEADER_LENGTH) return null;
    const header = this.buffer.slice(0, RECORD_HEADER_LENGTH);
    const type = header[0]!;
    const version = (header[1]! << 8) | header[2]!;
    const length = (header[3]! << 8) | header[4]!;
    if (!KNOWN_TYPES.includes(type) || header[1] !== 3) {
      const preview = utf8Decode(this.buffer.subarray(0, 16)).replace(/[^\x20-\x7e]/g, '.');
      throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `peer did not send a TLS record (type ${type}, version 0x${version.toString(16)}; starts "${preview}")`);
    }
    const limit = this.readProtection?.maxCiphertextLength ?? MAX_CIPHERTEXT_LENGTH;
    if (length > limit) {
      throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `record of ${length} bytes exceeds 2^14+${limit - MAX_PLAINTEXT_LENGTH}`);
    }
    if (this.buffer.length < RECORD_HEADER_LENGTH + length) return null;
    const fragment = this.buffer.slice(RECORD_HEADER_LENGTH, RECORD_HEADER_LENGTH + length);
    this.buffer = this.buffer.subarray(RECORD_HEADER_LENGTH + length);

    // RFC 8446 §5: change_cipher_spec is never protected; it passes through for the caller to vet
    // (in TLS 1.2 a change_cipher_spec after the keys changed is unexpected, and the caller refuses it).
    if (type === ContentType.changeCipherSpec || !this.readProtection) {
      if (length > MAX_PLAINTEXT_LENGTH) throw tlsError('TLS_RECORD_OVERFLOW', 'record_overflow', `plaintext record of ${length} bytes exceeds 2^14`);
      return { type, content: fragment, encrypted: false };
    }
    if (this.readProtection.hidesContentType && type !== ContentType.applicationData) {
      throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `unprotected record of type ${type} after keys were established`);
    }
    const inner = await this.readProtection.open(header, fragment);
    this.receivedEncrypted = true;
    return { type: inner.type, content: inner.content, encrypted: true };
  }

  /**
   * Encodes `content` as one or more records of at most 2^14 bytes (RFC 8446 §5.1), protected when
   * write keys are set. `initial` marks the first ClientHello (legacy_record_version 0x0301).
   */
  async encode(type: number, content: Uint8Array, initial = false): Promise<Uint8Array> {
    const records: Uint8Array[] = [];
    for (let offset = 0; offset < content.length || (offset === 0 && content.length === 0); offset += MAX_PLAINTEXT_LENGTH) {
      const chunk = content.subarray(offset, offset + MAX_PLAINTEXT_LENGTH);
      if (this.writeProtection && type !== ContentType.changeCipherSpec) {
        records.push(await this.writeProtection.seal(type, chunk));
      } else {
        const version = initial ? TLS10_VERSION : TLS12_VERSION;
        const header = new Uint8Array([type, version >> 8, version & 0xff, chunk.length >> 8, chunk.length & 0xff]);
        records.push(concatBytes(header, chunk));
      }
      if (content.length === 0) break;
    }
    return concatBytes(...records);
  }
}
