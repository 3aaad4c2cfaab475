/**
 * Lines from standard input, shared by every prompt of one command: `-S` reads the pass phrase
 * from standard input, and commands that need two (myproxy-change-pass-phrase: old, then new;
 * an encrypted user key plus the MyProxy pass phrase) read consecutive lines.
 */
import { MyProxyWebError } from '../shared/errors.js';

const MAX_LINE_BYTES = 1024;

export class StdinLines {
  private buffered = '';
  private iterator: AsyncIterator<Buffer> | undefined;
  private ended = false;

  constructor(private readonly stdin: NodeJS.ReadableStream) {}

  /** The next line without its line break; at EOF the rest (possibly ''). */
  async next(): Promise<string> {
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffered.slice(0, newline).replace(/\r$/, '');
        this.buffered = this.buffered.slice(newline + 1);
        return line;
      }
      if (this.ended) {
        const rest = this.buffered.replace(/\r$/, '');
        this.buffered = '';
        return rest;
      }
      if (this.buffered.length > MAX_LINE_BYTES) throw new MyProxyWebError('BAD_INPUT', 'pass phrase on standard input is too long');
      this.iterator ??= (this.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const { value, done } = await this.iterator.next();
      if (done) this.ended = true;
      else this.buffered += Buffer.from(value).toString('utf8');
    }
  }
}

const readers = new WeakMap<object, StdinLines>();

/** One StdinLines per stream, so every prompt of a command continues where the last stopped. */
export function stdinLines(stdin: NodeJS.ReadableStream): StdinLines {
  let reader = readers.get(stdin);
  if (!reader) {
    reader = new StdinLines(stdin);
    readers.set(stdin, reader);
  }
  return reader;
}
