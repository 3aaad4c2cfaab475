/**
 * Reading MyProxy messages from a byte stream (protocol notes §1.6). Boundaries come from
 * the bytes themselves (NUL terminators, DER lengths), never from TLS records or reads.
 */
import { utf8Decode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import type { ByteChannel } from '../transport/channel.js';
import { parseResponse } from './codec.js';

/** Largest text message accepted; the server's own request_size_limit default (§1.5). */
export const MAX_TEXT_MESSAGE_BYTES = 1024 * 1024;
/** Largest certificate chain accepted (count byte plus all certificates). */
export const MAX_CHAIN_BYTES = 1024 * 1024;
/** Most certificates in a returned chain; real chains hold a handful. */
export const MAX_CHAIN_CERTIFICATES = 32;

const NUL = 0x00;
/** 'V', the first byte of `VERSION=`: a text message where a binary payload was expected. */
const ASCII_V = 0x56;
const DER_SEQUENCE = 0x30;

export class MessageReader {
  /** Received bytes live in buffer[offset, end); the rest is spare capacity. */
  private buffer: Uint8Array = new Uint8Array(4096);
  private offset = 0;
  private end = 0;
  /** A read that outlived a timeout; the next fill takes its result instead of reading again. */
  private pending: Promise<Uint8Array | null> | undefined;
  private eof = false;

  constructor(private readonly channel: ByteChannel) {}

  /** Bytes received and not yet consumed. */
  get buffered(): number {
    return this.end - this.offset;
  }

  /**
   * The next text message without its NUL, as a string. Leading 0x00 bytes are skipped
   * (the stray NUL a TLS 1.3 server sends after the handshake, §1.3).
   */
  async readText(timeoutMs: number): Promise<string> {
    const deadline = new Deadline(timeoutMs);
    try {
      return await this.readTextUntil(deadline);
    } finally {
      deadline.dispose();
    }
  }

  private async readTextUntil(deadline: Deadline): Promise<string> {
    // 1. Skip NULs before the message.
    for (;;) {
      while (this.offset < this.end && this.buffer[this.offset] === NUL) this.offset++;
      if (this.offset < this.end) break;
      await this.fill(deadline, 'a response');
    }
    // 2. Read up to the terminating NUL.
    let scanned = 0; // bytes after `offset` known to hold no NUL (offset moves when the buffer is compacted)
    for (;;) {
      const nul = this.buffer.subarray(0, this.end).indexOf(NUL, this.offset + scanned);
      if (nul >= 0) {
        const text = utf8Decode(this.buffer.subarray(this.offset, nul));
        this.offset = nul + 1;
        this.compact();
        return text;
      }
      scanned = this.end - this.offset;
      if (this.buffered > MAX_TEXT_MESSAGE_BYTES) {
        throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server message exceeds ${MAX_TEXT_MESSAGE_BYTES} bytes without a terminator`);
      }
      await this.fill(deadline, 'the rest of a response');
    }
  }

  /**
   * A certificate chain: one count byte, then that many DER certificates (§2.3 GET).
   * If a text message comes instead (it starts with `VERSION`), the server's error is thrown
   * as MYPROXY_REJECTED with the ERROR lines as the message.
   */
  async readChain(timeoutMs: number): Promise<Uint8Array[]> {
    const deadline = new Deadline(timeoutMs);
    try {
      return await this.readChainUntil(deadline);
    } finally {
      deadline.dispose();
    }
  }

  private async readChainUntil(deadline: Deadline): Promise<Uint8Array[]> {
    await this.need(1, deadline, 'the certificate chain');
    const count = this.buffer[this.offset]!;
    if (count === ASCII_V) {
      const response = parseResponse(await this.readTextUntil(deadline));
      if (response.response === 1) {
        throw new MyProxyWebError('MYPROXY_REJECTED', errorText(response.errors, 'the server refused to issue a certificate'));
      }
      throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `expected a certificate chain, got a RESPONSE=${response.response} message`);
    }
    if (count === 0 || count > MAX_CHAIN_CERTIFICATES) {
      throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `implausible certificate count ${count} in the returned chain`);
    }
    let position = 1;
    const bounds: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      const total = await this.derExtent(position, deadline, `certificate ${i + 1} of ${count}`, MAX_CHAIN_BYTES, 'returned certificate chain');
      bounds.push([position, position + total]);
      position += total;
    }
    const chain = bounds.map(([start, end]) => this.buffer.slice(this.offset + start, this.offset + end));
    this.offset += position;
    this.compact();
    return chain;
  }

  /**
   * One DER value (PUT: the server's certificate request, §2.3). A text message in its place
   * (starting with `VERSION`) is the server's error, thrown as MYPROXY_REJECTED.
   */
  async readDer(timeoutMs: number, what = 'a DER message'): Promise<Uint8Array> {
    const deadline = new Deadline(timeoutMs);
    try {
      await this.need(1, deadline, what);
      if (this.buffer[this.offset] === ASCII_V) {
        const response = parseResponse(await this.readTextUntil(deadline));
        if (response.response === 1) throw new MyProxyWebError('MYPROXY_REJECTED', errorText(response.errors, `the server sent an error instead of ${what}`));
        throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `expected ${what}, got a RESPONSE=${response.response} message`);
      }
      const total = await this.derExtent(0, deadline, what, MAX_TEXT_MESSAGE_BYTES, what);
      const der = this.buffer.slice(this.offset, this.offset + total);
      this.offset += total;
      this.compact();
      return der;
    } finally {
      deadline.dispose();
    }
  }

  /** Length (header included) of the DER SEQUENCE at `position` past the current offset, once it is fully buffered. */
  private async derExtent(position: number, deadline: Deadline, label: string, limit: number, limitLabel: string): Promise<number> {
    // DER tag and the first length byte.
    await this.need(position + 2, deadline, label);
    const tag = this.buffer[this.offset + position]!;
    if (tag !== DER_SEQUENCE) {
      throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `${label} does not start with a DER SEQUENCE (0x${tag.toString(16)})`);
    }
    const first = this.buffer[this.offset + position + 1]!;
    let headerLength = 2;
    let length = first;
    if (first & 0x80) {
      // X.690 §8.1.3.5 long form; 0x80 (indefinite) is not DER, more than 4 octets is absurd here.
      const octets = first & 0x7f;
      if (octets === 0 || octets > 4) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `${label} has an unsupported DER length encoding`);
      await this.need(position + 2 + octets, deadline, label);
      length = 0;
      for (let j = 0; j < octets; j++) length = length * 256 + this.buffer[this.offset + position + 2 + j]!;
      headerLength = 2 + octets;
    }
    const total = headerLength + length;
    if (position + total > limit) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `${limitLabel} exceeds ${limit} bytes`);
    await this.need(position + total, deadline, label);
    return total;
  }

  /** Waits until `count` bytes past the current position are buffered. */
  private async need(count: number, deadline: Deadline, what: string): Promise<void> {
    while (this.buffered < count) await this.fill(deadline, what);
  }

  /** Appends the next chunk from the channel; EOF here is always in the middle of something. */
  private async fill(deadline: Deadline, what: string): Promise<void> {
    if (this.eof) throw closedError(what);
    this.pending ??= this.channel.read();
    const chunk = await deadline.race(this.pending, what);
    // Only a settled read is forgotten; one cut short by the timeout stays pending.
    this.pending = undefined;
    if (chunk === null) {
      this.eof = true;
      throw closedError(what);
    }
    this.append(chunk);
  }

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buffer.length) {
      // Move the unread bytes to the front, growing (doubling) when they still do not fit.
      const unread = this.buffer.subarray(this.offset, this.end);
      let capacity = this.buffer.length;
      while (unread.length + chunk.length > capacity) capacity *= 2;
      const next = capacity === this.buffer.length ? this.buffer : new Uint8Array(capacity);
      if (next === this.buffer) next.copyWithin(0, this.offset, this.end);
      else next.set(unread, 0);
      this.buffer = next;
      this.end = unread.length;
      this.offset = 0;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  private compact(): void {
    if (this.offset === this.end) {
      this.offset = 0;
      this.end = 0;
    }
  }
}

/** The server's ERROR lines joined with newlines, unchanged; `fallback` if there are none. */
export function errorText(errors: readonly string[], fallback: string): string {
  const text = errors.join('\n').trim();
  return text === '' ? fallback : errors.join('\n');
}

/** One timer for a whole message, however many reads it takes. */
class Deadline {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expired = false;
  private what = 'a response';
  private waiter: ((error: Error) => void) | undefined;

  constructor(timeoutMs: number) {
    if (!(timeoutMs > 0)) throw new MyProxyWebError('INTERNAL', `invalid timeout ${timeoutMs}`);
    if (!Number.isFinite(timeoutMs)) return;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.waiter?.(timeoutError(this.what));
    }, timeoutMs);
  }

  /** `promise`, unless the deadline passes first. */
  race<T>(promise: Promise<T>, what: string): Promise<T> {
    if (this.expired) return Promise.reject(timeoutError(what));
    this.what = what;
    return new Promise<T>((resolve, reject) => {
      this.waiter = reject;
      promise.then(resolve, reject).finally(() => {
        if (this.waiter === reject) this.waiter = undefined;
      });
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.waiter = undefined;
  }
}

function closedError(what: string): MyProxyWebError {
  return new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `connection closed by server while waiting for ${what}`);
}

function timeoutError(what: string): MyProxyWebError {
  return new MyProxyWebError('MYPROXY_TIMEOUT', `timed out waiting for ${what} from the MyProxy server`);
}
