/**
 * Makes the key pair while the user types, so the click does not wait for it. One key at a
 * time, for one setting (key type, extractable); a key is handed out once and never reused;
 * changing the settings discards it.
 */
import { generateKeyPair, type KeyType } from '../shared/pki/keys.js';

interface Pending {
  keyType: KeyType;
  extractable: boolean;
  pair: Promise<CryptoKeyPair>;
}

export class KeyPregenerator {
  #pending: Pending | undefined;

  /** Starts making a key for these settings unless one is already on its way. */
  warm(keyType: KeyType, extractable: boolean): void {
    const pending = this.#pending;
    if (pending && pending.keyType === keyType && pending.extractable === extractable) return;
    const pair = generateKeyPair(keyType, extractable);
    pair.catch(() => undefined); // A failure is reported when the key is taken.
    this.#pending = { keyType, extractable, pair };
  }

  /** The pre-made key for these settings (consumed), or a new one. */
  take(keyType: KeyType, extractable: boolean): Promise<CryptoKeyPair> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending && pending.keyType === keyType && pending.extractable === extractable) return pending.pair;
    return generateKeyPair(keyType, extractable);
  }

  /** Whether a key for these settings is being made or ready. */
  has(keyType: KeyType, extractable: boolean): boolean {
    return this.#pending?.keyType === keyType && this.#pending.extractable === extractable;
  }

  /** Drops the pending key (its references go; WebCrypto keys cannot be zeroed explicitly). */
  discard(): void {
    this.#pending = undefined;
  }
}
