/** PEM encoding (RFC 7468) without Node's Buffer. */
import { fromBase64, toBase64 } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export function pemEncode(label: string, der: Uint8Array): string {
  const base64 = toBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Text between blocks is ignored (RFC 7468 §2). */
export function pemDecodeAll(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1]!;
    const body = match[2]!;
    if (/^[\s]*Proc-Type:/m.test(body)) {
      throw new MyProxyWebError('BAD_INPUT', `PEM block ${label} is encrypted with legacy PEM encryption; not supported`);
    }
    try {
      blocks.push({ label, der: fromBase64(body) });
    } catch (cause) {
      throw new MyProxyWebError('CERT_PARSE_ERROR', `PEM block ${label} has invalid base64`, { cause });
    }
  }
  return blocks;
}

/** The DER of every CERTIFICATE block in `text`. */
export function pemCertificates(text: string): Uint8Array[] {
  return pemDecodeAll(text).filter((block) => block.label === 'CERTIFICATE').map((block) => block.der);
}
