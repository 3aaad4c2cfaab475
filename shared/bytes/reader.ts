/**
 * A bounds-checked reader over a byte array, in the style of Go's cryptobyte:
 * vectors are read through sub-readers, and every read names the field it is for.
 */
export class ByteReaderError extends Error {
  override readonly name = 'ByteReaderError';
}

export class ByteReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  isEmpty(): boolean {
    return this.remaining === 0;
  }

  private take(length: number, field: string): Uint8Array {
    if (length < 0 || this.remaining < length) {
      throw new ByteReaderError(`truncated ${field}: need ${length} bytes, have ${this.remaining}`);
    }
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  u8(field: string): number {
    return this.take(1, field)[0]!;
  }

  u16(field: string): number {
    const b = this.take(2, field);
    return (b[0]! << 8) | b[1]!;
  }

  u24(field: string): number {
    const b = this.take(3, field);
    return (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  }

  u32(field: string): number {
    const b = this.take(4, field);
    return ((b[0]! << 24) >>> 0) + ((b[1]! << 16) | (b[2]! << 8) | b[3]!);
  }

  bytesOf(length: number, field: string): Uint8Array {
    return this.take(length, field);
  }

  rest(): Uint8Array {
    return this.take(this.remaining, 'rest');
  }

  /** A length-prefixed vector (RFC 8446 §3.4) with a 1, 2 or 3 byte length. */
  vector(lengthBytes: 1 | 2 | 3, field: string): Uint8Array {
    const length = lengthBytes === 1 ? this.u8(field) : lengthBytes === 2 ? this.u16(field) : this.u24(field);
    return this.take(length, field);
  }

  /** A sub-reader over a length-prefixed vector. */
  subReader(lengthBytes: 1 | 2 | 3, field: string): ByteReader {
    return new ByteReader(this.vector(lengthBytes, field));
  }

  /** Throws unless everything was consumed: trailing bytes are a decode error. */
  expectEnd(field: string): void {
    if (this.remaining !== 0) throw new ByteReaderError(`${this.remaining} trailing bytes after ${field}`);
  }
}
