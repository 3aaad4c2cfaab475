/** A growable byte writer with length-prefixed vectors (RFC 8446 §3.4). */
export class ByteWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  u8(value: number): this {
    this.ensure(1);
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.ensure(2);
    this.buffer[this.length++] = (value >>> 8) & 0xff;
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u24(value: number): this {
    this.ensure(3);
    this.buffer[this.length++] = (value >>> 16) & 0xff;
    this.buffer[this.length++] = (value >>> 8) & 0xff;
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  u32(value: number): this {
    this.ensure(4);
    this.buffer[this.length++] = (value >>> 24) & 0xff;
    this.buffer[this.length++] = (value >>> 16) & 0xff;
    this.buffer[this.length++] = (value >>> 8) & 0xff;
    this.buffer[this.length++] = value & 0xff;
    return this;
  }

  bytes(data: Uint8Array): this {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Writes a vector whose length prefix is filled in after `body` has written its content. */
  vector(lengthBytes: 1 | 2 | 3, body: (writer: ByteWriter) => void): this {
    const inner = new ByteWriter();
    body(inner);
    const content = inner.finish();
    const max = 2 ** (8 * lengthBytes) - 1;
    if (content.length > max) throw new RangeError(`vector of ${content.length} bytes exceeds ${max}`);
    if (lengthBytes === 1) this.u8(content.length);
    else if (lengthBytes === 2) this.u16(content.length);
    else this.u24(content.length);
    return this.bytes(content);
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
