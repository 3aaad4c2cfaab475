/**
 * The TLS 1.2 pseudo-random function (RFC 5246 §5): PRF(secret, label, seed) = P_<hash>(secret, label + seed),
 * P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ..., A(0) = seed,
 * A(i) = HMAC(secret, A(i-1)). Only the SHA-256 and SHA-384 PRFs of the AES-GCM suites (RFC 5288 §3).
 */
import { concatBytes, utf8Encode } from '../bytes/bytes.js';
import { bufferSource } from './codec.js';

/** RFC 5246 §5. `label` is ASCII (e.g. "master secret"); returns exactly `length` bytes. */
export async function tls12Prf(hash: 'SHA-256' | 'SHA-384', secret: Uint8Array, label: string, seed: Uint8Array, length: number): Promise<Uint8Array> {
  if (hash !== 'SHA-256' && hash !== 'SHA-384') throw new RangeError(`unsupported TLS 1.2 PRF hash ${String(hash)}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`invalid PRF output length ${length}`);
  const subtle = globalThis.crypto.subtle;
  const key = await subtle.importKey('raw', bufferSource(secret.length > 0 ? secret : new Uint8Array(1)), { name: 'HMAC', hash }, false, ['sign']);
  const mac = async (data: Uint8Array): Promise<Uint8Array> => new Uint8Array(await subtle.sign('HMAC', key, bufferSource(data)));
  // HMAC with an empty key equals HMAC with any all-zero key (RFC 2104 pads with zeros); WebCrypto refuses empty keys.
  const fullSeed = concatBytes(utf8Encode(label), seed);
  const out = new Uint8Array(length);
  let a = fullSeed;
  for (let offset = 0; offset < length; ) {
    a = await mac(a);
    const block = await mac(concatBytes(a, fullSeed));
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
  }
  return out;
}
