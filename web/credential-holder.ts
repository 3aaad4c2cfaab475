/**
 * Holds the issued credential in memory for <myproxy-logon>: the credential, its PEM, the
 * one-second tick of the countdown, and the wipe at expiry (setTimeout, re-armed for
 * lifetimes beyond its range). `clear()` drops every reference.
 */
import type { LogonResult } from '../shared/myproxy/client.js';

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

export class CredentialHolder {
  #credential: LogonResult | undefined;
  #pem: string | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #expiry: ReturnType<typeof setTimeout> | undefined;

  /** `onTick` runs every second while a credential is held; `onExpire` once it has expired. */
  constructor(
    private readonly onTick: (now: number) => void,
    private readonly onExpire: () => void,
  ) {}

  get credential(): LogonResult | undefined {
    return this.#credential;
  }

  /** The credential as PEM; undefined when the key is not extractable. Secret. */
  get pem(): string | undefined {
    return this.#pem;
  }

  hold(credential: LogonResult, pem: string | undefined): void {
    this.clear();
    this.#credential = credential;
    this.#pem = pem;
    const notAfter = credential.notAfter.getTime();
    this.#ticker = setInterval(() => {
      const now = Date.now();
      this.onTick(now);
      if (now >= notAfter) this.#expire();
    }, 1000);
    const arm = (): void => {
      const left = notAfter - Date.now();
      if (left <= 0) return this.#expire();
      this.#expiry = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
  }

  #expire(): void {
    if (this.#credential) this.onExpire();
  }

  /** Drops the credential, its PEM and the timers; returns whether there was a credential. */
  clear(): boolean {
    const had = this.#credential !== undefined;
    clearInterval(this.#ticker);
    clearTimeout(this.#expiry);
    this.#ticker = this.#expiry = undefined;
    this.#credential = undefined;
    this.#pem = undefined;
    return had;
  }
}
