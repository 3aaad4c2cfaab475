/**
 * A small cache of values parsed from DER, addressed by the bytes themselves (not by array identity):
 * a server sends the same certificates on every connection, each time in fresh arrays, and one
 * handshake looks at its leaf three times (path validation, name check, CertificateVerify).
 * Entries are compared byte for byte (a hash only picks the bucket); the least recently used entry
 * goes when the cache is full. Values must be treated as immutable by every user.
 */
import { bytesEqual } from '../bytes/bytes.js';

/** FNV-1a over the bytes, with the length: enough to pick a bucket, never trusted alone. */
function bucketKey(der: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < der.length; i++) hash = Math.imul(hash ^ der[i]!, 0x01000193);
  return `${der.length}:${hash >>> 0}`;
}

export class DerCache<T> {
  /** Insertion order of a Map is the recency order: a hit is deleted and set again. */
  private readonly entries = new Map<string, { der: Uint8Array; value: T }[]>();
  private size = 0;

  constructor(private readonly capacity: number) {}

  /** The cached value for `der`, or `make(copy of der)` (cached unless it throws). */
  get(der: Uint8Array, make: (der: Uint8Array) => T): T {
    const key = bucketKey(der);
    const bucket = this.entries.get(key);
    const hit = bucket?.find((entry) => bytesEqual(entry.der, der));
    if (bucket && hit) {
      this.entries.delete(key);
      this.entries.set(key, bucket);
      return hit.value;
    }
    // `make` gets a private copy, which the entry keeps: the caller may reuse or overwrite its array.
    const copy = der.slice();
    const entry = { der: copy, value: make(copy) };
    if (bucket) {
      bucket.push(entry);
      this.entries.delete(key);
      this.entries.set(key, bucket);
    } else {
      this.entries.set(key, [entry]);
    }
    if (++this.size > this.capacity) this.evictOldest();
    return entry.value;
  }

  private evictOldest(): void {
    const [key, bucket] = this.entries.entries().next().value as [string, { der: Uint8Array; value: T }[]];
    bucket.shift();
    if (bucket.length === 0) this.entries.delete(key);
    this.size--;
  }
}
