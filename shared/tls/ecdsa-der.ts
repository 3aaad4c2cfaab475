/**
 * Strict conversion of a DER ECDSA-Sig-Value (RFC 3279 §2.2.3: SEQUENCE { r INTEGER, s INTEGER })
 * to the fixed-width r || s form that WebCrypto verifies (RFC 8446 §4.2.3 sends DER).
 */
import { MyProxyWebError } from '../errors.js';

function fail(why: string): never {
  throw new MyProxyWebError('TLS_BAD_SIGNATURE', `malformed ECDSA signature: ${why}`);
}

/** Reads a DER length at `offset`; returns [length, bytes used]. Only minimal encodings are accepted. */
function readLength(der: Uint8Array, offset: number): [number, number] {
  const first = der[offset];
  if (first === undefined) fail('truncated length');
  if (first < 0x80) return [first, 1];
  const count = first & 0x7f;
  if (count === 0 || count > 2) fail('unsupported length form');
  let length = 0;
  for (let i = 1; i <= count; i++) {
    const byte = der[offset + i];
    if (byte === undefined) fail('truncated length');
    length = (length << 8) | byte;
  }
  if (length < 0x80 || (count === 2 && length < 0x100)) fail('non-minimal length');
  return [length, 1 + count];
}

function readInteger(der: Uint8Array, offset: number, size: number, out: Uint8Array, outOffset: number): number {
  if (der[offset] !== 0x02) fail('expected INTEGER');
  const [length, used] = readLength(der, offset + 1);
  const start = offset + 1 + used;
  const end = start + length;
  if (length === 0 || end > der.length) fail('truncated INTEGER');
  let value = der.subarray(start, end);
  if (value[0]! & 0x80) fail('negative INTEGER');
  if (value[0] === 0) {
    if (value.length === 1) fail('zero INTEGER');
    if (!(value[1]! & 0x80)) fail('non-minimal INTEGER');
    value = value.subarray(1);
  }
  if (value.length > size) fail('INTEGER longer than the curve order');
  out.set(value, outOffset + size - value.length);
  return end;
}

/** `size` is the curve's byte length: 32 for P-256, 48 for P-384. */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array {
  if (der[0] !== 0x30) fail('expected SEQUENCE');
  const [length, used] = readLength(der, 1);
  if (1 + used + length !== der.length) fail('SEQUENCE length does not match the signature length');
  const raw = new Uint8Array(2 * size);
  const afterR = readInteger(der, 1 + used, size, raw, 0);
  const afterS = readInteger(der, afterR, size, raw, size);
  if (afterS !== der.length) fail('trailing bytes');
  return raw;
}

function derInteger(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  const pad = trimmed[0]! & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + trimmed.length);
  out[0] = 0x02;
  out[1] = pad + trimmed.length;
  out.set(trimmed, 2 + pad);
  return out;
}

/** The inverse of ecdsaDerToRaw: WebCrypto's r || s (each `raw.length / 2` bytes) as a minimal DER ECDSA-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0 || raw.length > 132) throw new MyProxyWebError('INTERNAL', `unexpected raw ECDSA signature length ${raw.length}`);
  const r = derInteger(raw.subarray(0, raw.length / 2));
  const s = derInteger(raw.subarray(raw.length / 2));
  const length = r.length + s.length;
  const header = length < 0x80 ? [0x30, length] : [0x30, 0x81, length];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(r, header.length);
  out.set(s, header.length + r.length);
  return out;
}
