/** The handshake transcript (RFC 8446 §4.4.1), kept as bytes and hashed on demand. */
import { concatBytes } from '../bytes/bytes.js';
import type { HashName } from './cipher-suites.js';
import { HandshakeType } from './constants.js';
import { digest } from './hkdf.js';

export class Transcript {
  private messages: Uint8Array[] = [];
  /** The last hash computed, valid while no message is added (the client asks twice after the server Finished). */
  private memo: { hash: HashName; count: number; value: Promise<Uint8Array> } | undefined;

  add(rawMessage: Uint8Array): void {
    this.messages.push(rawMessage);
  }

  /** Every message so far, concatenated: what a TLS 1.2 CertificateVerify signs (RFC 5246 §7.4.8). */
  bytes(): Uint8Array {
    return concatBytes(...this.messages);
  }

  /**
   * WebCrypto has no incremental digest, so the messages are hashed whole each time; at a few KB
   * and about five hashes per handshake that is a few tens of microseconds.
   */
  async hash(hash: HashName): Promise<Uint8Array> {
    const count = this.messages.length;
    if (this.memo?.hash !== hash || this.memo.count !== count) this.memo = { hash, count, value: digest(hash, concatBytes(...this.messages)) };
    return (await this.memo.value).slice();
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
   */
  async replaceWithMessageHash(hash: HashName): Promise<void> {
    const hashed = await this.hash(hash);
    this.memo = undefined;
    this.messages = [concatBytes(new Uint8Array([HandshakeType.messageHash, 0, 0, hashed.length]), hashed)];
  }
}
