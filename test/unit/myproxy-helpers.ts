/** Test doubles for MyProxy unit tests: scripted byte channels. */
import type { ByteChannel } from '../../shared/transport/channel.js';

/** Delivers the given chunks in order, then EOF (or stays silent forever if `hang`). */
export class ScriptedChannel implements ByteChannel {
  readonly written: Uint8Array[] = [];
  closed = false;
  reads = 0;
  private next = 0;

  constructor(private readonly chunks: Uint8Array[], private readonly hang = false) {}

  async write(data: Uint8Array): Promise<void> {
    this.written.push(data.slice());
  }

  read(): Promise<Uint8Array | null> {
    this.reads++;
    const chunk = this.chunks[this.next];
    if (chunk) {
      this.next++;
      return Promise.resolve(chunk);
    }
    if (this.hang && !this.closed) return new Promise(() => undefined);
    return Promise.resolve(null);
  }

  close(): void {
    this.closed = true;
  }
}

/** The same bytes as 1-byte chunks, as one chunk, and in chunks of 7. */
export function chunkings(bytes: Uint8Array): { name: string; chunks: Uint8Array[] }[] {
  const split = (size: number): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
    return out;
  };
  return [
    { name: 'byte by byte', chunks: split(1) },
    { name: 'all in one chunk', chunks: [bytes.slice()] },
    { name: 'chunks of 7', chunks: split(7) },
  ];
}

/** A DER SEQUENCE TLV with `contentLength` bytes of filler, using the minimal length form. */
export function derSequence(contentLength: number, fill = 0xab): Uint8Array {
  let header: number[];
  if (contentLength < 0x80) header = [0x30, contentLength];
  else if (contentLength < 0x100) header = [0x30, 0x81, contentLength];
  else if (contentLength < 0x10000) header = [0x30, 0x82, contentLength >> 8, contentLength & 0xff];
  else header = [0x30, 0x83, contentLength >> 16, (contentLength >> 8) & 0xff, contentLength & 0xff];
  const out = new Uint8Array(header.length + contentLength).fill(fill);
  out.set(header, 0);
  return out;
}
