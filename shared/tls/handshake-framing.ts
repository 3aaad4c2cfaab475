/**
 * Handshake message framing (RFC 8446 §4): `msg_type u8, length u24, body`.
 * `HandshakeAssembler` reassembles messages that span or share records (RFC 8446 §5.1).
 */
import { concatBytes } from '../bytes/bytes.js';
import { ByteWriter } from '../bytes/writer.js';
import { tlsError } from './alerts.js';
import { MAX_HANDSHAKE_MESSAGE_LENGTH } from './constants.js';

export interface HandshakeMessage {
  type: number;
  body: Uint8Array;
  /** The whole message with its 4-byte header, as it enters the transcript. */
  raw: Uint8Array;
}

export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  return new ByteWriter().u8(type).u24(body.length).bytes(body).finish();
}

export class HandshakeAssembler {
  private pending: Uint8Array = new Uint8Array(0);

  /** True when a message is partly received; RFC 8446 §5.1 forbids key changes then. */
  get hasPartialMessage(): boolean {
    return this.pending.length > 0;
  }

  /** Adds one handshake record's content. RFC 8446 §5.1: zero-length handshake fragments are not allowed. */
  push(fragment: Uint8Array): void {
    if (fragment.length === 0) throw tlsError('TLS_DECODE_ERROR', 'unexpected_message', 'empty handshake record');
    this.pending = this.pending.length === 0 ? fragment.slice() : concatBytes(this.pending, fragment);
  }

  /** The next complete message, or null when more records are needed. */
  next(): HandshakeMessage | null {
    if (this.pending.length < 4) return null;
    const length = (this.pending[1]! << 16) | (this.pending[2]! << 8) | this.pending[3]!;
    if (length > MAX_HANDSHAKE_MESSAGE_LENGTH) {
      throw tlsError('TLS_DECODE_ERROR', 'decode_error', `handshake message of ${length} bytes exceeds the ${MAX_HANDSHAKE_MESSAGE_LENGTH}-byte limit`);
    }
    if (this.pending.length < 4 + length) return null;
    const raw = this.pending.slice(0, 4 + length);
    this.pending = this.pending.subarray(4 + length);
    return { type: raw[0]!, body: raw.subarray(4), raw };
  }
}
