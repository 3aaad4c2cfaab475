/**
 * Reading the MyProxy pass phrase: from standard input with -S (one line, as
 * myproxy-logon --stdin_pass does), otherwise from the terminal without echo.
 */
import { MyProxyWebError } from '../shared/errors.js';

const MAX_PASS_PHRASE_BYTES = 1024;

export async function readPassPhraseFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    const text = Buffer.concat(chunks).toString('utf8');
    const newline = text.indexOf('\n');
    if (newline >= 0) return text.slice(0, newline).replace(/\r$/, '');
    if (length > MAX_PASS_PHRASE_BYTES) throw new MyProxyWebError('BAD_INPUT', 'pass phrase on standard input is too long');
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export async function promptPassPhrase(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return readPassPhraseFromStdin(stdin);
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    let text = '';
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') return text;
        if (char === '\u0003') throw new MyProxyWebError('BAD_INPUT', 'interrupted');
        if (char === '\u007f' || char === '\b') text = text.slice(0, -1);
        else text += char;
        if (text.length > MAX_PASS_PHRASE_BYTES) throw new MyProxyWebError('BAD_INPUT', 'pass phrase is too long');
      }
    }
    return text;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}
