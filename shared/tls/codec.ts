/** Decoding helpers shared by every TLS codec: reader errors become TLS_DECODE_ERROR with the message named. */
import { ByteReader, ByteReaderError } from '../bytes/reader.js';

import { tlsError } from './alerts.js';

/** Runs `decode` over `body`, requires it to consume everything, and names `what` in any error. */
export function decodeAll<T>(what: string, body: Uint8Array, decode: (reader: ByteReader) => T): T {
  try {
    const reader = new ByteReader(body);
    const value = decode(reader);
    reader.expectEnd(what);
    return value;
  } catch (error) {
    if (error instanceof ByteReaderError) throw tlsError('TLS_DECODE_ERROR', 'decode_error', `malformed ${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A WebCrypto-compatible view: TypeScript's BufferSource wants an ArrayBuffer-backed array. */
export function bufferSource(data: Uint8Array): Uint8Array<ArrayBuffer> {
  if (data.buffer instanceof ArrayBuffer) return data as Uint8Array<ArrayBuffer>;
  return new Uint8Array(data);
}

