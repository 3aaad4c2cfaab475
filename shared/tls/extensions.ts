/** Extension lists (RFC 8446 §4.2): encoding, and decoding that rejects duplicates. */
import type { ByteReader } from '../bytes/reader.js';
import type { ByteWriter } from '../bytes/writer.js';
import { tlsError } from './alerts.js';

export interface Extension {
  type: number;
  data: Uint8Array;
}

export function writeExtensions(writer: ByteWriter, extensions: readonly Extension[]): void {
  writer.vector(2, (list) => {
    for (const extension of extensions) {
      list.u16(extension.type).vector(2, (w) => w.bytes(extension.data));
    }
  });
}

/** Reads `Extension extensions<0..2^16-1>`; RFC 8446 §4.2: a type may appear at most once. */
export function readExtensions(reader: ByteReader, field: string): Map<number, Uint8Array> {
  const list = reader.subReader(2, `${field} extensions`);
  const out = new Map<number, Uint8Array>();
  while (!list.isEmpty()) {
    const type = list.u16(`${field} extension type`);
    const data = list.vector(2, `${field} extension ${type}`);
    if (out.has(type)) throw tlsError('TLS_DECODE_ERROR', 'illegal_parameter', `duplicate extension ${type} in ${field}`);
    out.set(type, data);
  }
  return out;
}

/** RFC 8446 §4.2: a response may only carry extensions that the client offered and that belong in that message. */
export function rejectUnexpectedExtensions(extensions: Map<number, Uint8Array>, allowed: readonly number[], field: string): void {
  for (const type of extensions.keys()) {
    if (!allowed.includes(type)) {
      throw tlsError('TLS_PROTOCOL_ERROR', 'unsupported_extension', `server sent unsolicited extension ${type} in ${field}`);
    }
  }
}
