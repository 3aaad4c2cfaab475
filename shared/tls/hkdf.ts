/**
 * HKDF (RFC 5869) and the TLS 1.3 labels on top of it (RFC 8446 §7.1), built from WebCrypto HMAC
 * because WebCrypto's own HKDF cannot run Extract and Expand separately.
 */
import { bytesEqual, utf8Encode } from '../bytes/bytes.js';
import { ByteWriter } from '../bytes/writer.js';
import type { HashName } from './cipher-suites.js';
import { bufferSource } from './codec.js';

const HASH_LENGTH: Record<HashName, number> = { 'SHA-256': 32, 'SHA-384': 48 };

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

export async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hash, bufferSource(data)));
}

interface CachedHmacKey {
  hash: HashName;
  /** The key bytes at import time: a hit must still hold them (callers may zero a secret in place). */
  bytes: Uint8Array;
  key: Promise<CryptoKey>;
}

/**
 * Imported HMAC keys by secret (array identity, then hash and content): every TLS 1.3 secret keys
 * several HMACs (RFC 8446 §7.1: Derive-Secret twice and "derived" from each stage secret, "key", "iv"
 * and "finished" from each traffic secret), and a WebCrypto import costs as much as the HMAC itself.
 */
const hmacKeys = new WeakMap<Uint8Array, CachedHmacKey[]>();

function hmacKey(hash: HashName, key: Uint8Array): Promise<CryptoKey> {
  const entries = hmacKeys.get(key) ?? [];
  const hit = entries.find((entry) => entry.hash === hash && bytesEqual(entry.bytes, key));
  if (hit) return hit.key;
  const bytes = key.slice();
  const imported = subtle().importKey('raw', bytes, { name: 'HMAC', hash }, false, ['sign']);
  const entry: CachedHmacKey = { hash, bytes, key: imported };
  // A stale entry (same hash, changed bytes) is replaced; a failed import is not kept.
  hmacKeys.set(key, [...entries.filter((other) => other.hash !== hash), entry]);
  imported.catch(() => {
    const list = hmacKeys.get(key);
    if (list?.includes(entry)) hmacKeys.set(key, list.filter((other) => other !== entry));
  });
  return imported;
}

export async function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await hmacKey(hash, key);
  return new Uint8Array(await subtle().sign('HMAC', cryptoKey, bufferSource(data)));
}

/** Hash.length zero bytes per hash: the absent salt and the absent IKM of RFC 8446 §7.1 (never handed out). */
const ZEROS: Record<HashName, Uint8Array> = { 'SHA-256': new Uint8Array(32), 'SHA-384': new Uint8Array(48) };

/** RFC 5869 §2.2. An absent salt is Hash.length zero bytes (HMAC pads keys with zeros anyway). */
export function hkdfExtract(hash: HashName, salt: Uint8Array | undefined, ikm: Uint8Array): Promise<Uint8Array> {
  const key = salt && salt.length > 0 ? salt : ZEROS[hash];
  return hmac(hash, key, ikm);
}

/** RFC 5869 §2.3. */
export async function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const hashLength = HASH_LENGTH[hash];
  if (length > 255 * hashLength) throw new RangeError('HKDF-Expand output too long');
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++) {
    const input = new Uint8Array(previous.length + info.length + 1);
    input.set(previous, 0);
    input.set(info, previous.length);
    input[input.length - 1] = i;
    previous = await hmac(hash, prk, input);
    out.set(previous.subarray(0, Math.min(hashLength, length - offset)), offset);
    offset += hashLength;
  }
  return out;
}

/** RFC 8446 §7.1 HKDF-Expand-Label: HkdfLabel = length, "tls13 " + label, context. */
export function hkdfExpandLabel(hash: HashName, secret: Uint8Array, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
  const info = new ByteWriter()
    .u16(length)
    .vector(1, (w) => w.bytes(utf8Encode(`tls13 ${label}`)))
    .vector(1, (w) => w.bytes(context))
    .finish();
  return hkdfExpand(hash, secret, info, length);
}

/** RFC 8446 §7.1 Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages). */
export function deriveSecret(hash: HashName, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(hash, secret, label, transcriptHash, HASH_LENGTH[hash]);
}
