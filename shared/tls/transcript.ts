/** The handshake transcript (RFC 8446 §4.4.1), kept as bytes and hashed on demand. */
import { concatBytes } from '../bytes/bytes.js';
import type { HashName } from './cipher-suites.js';
import { HandshakeType } from './constants.js';
import { digest } from './hkdf.js';

export class Transcript {
  private messages: Uint8Array[] = [];

  add(rawMessage: Uint8Array): void {
    this.messages.push(rawMessage);
  }

  /** Every message so far, concatenated: what a TLS 1.2 CertificateVerify signs (RFC 5246 §7.4.8). */
  bytes(): Uint8Array {
    return concatBytes(...this.messages);
  }

  hash(hash: HashName): Promise<Uint8Array> {
    return digest(hash, concatBytes(...this.messages));
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
   */
  async replaceWithMessageHash(hash: HashName): Promise<void> {
    const hashed = await this.hash(hash);
    this.messages = [concatBytes(new Uint8Array([HandshakeType.messageHash, 0, 0, hashed.length]), hashed)];
  }
}
