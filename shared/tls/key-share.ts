/** (EC)DHE key shares for X25519, secp256r1 and secp384r1 with WebCrypto (RFC 8446 §4.2.8, §7.4). */
import { tlsError } from './alerts.js';
import { bufferSource } from './codec.js';
import { NamedGroup, type NamedGroupId } from './constants.js';

interface GroupInfo {
  algorithm: EcKeyImportParams | { name: 'X25519' };
  /** RFC 8446 §4.2.8.2: uncompressed point (65 / 97 bytes) or 32 raw bytes for X25519. */
  publicLength: number;
  sharedBits: number;
}

const GROUPS: Record<NamedGroupId, GroupInfo> = {
  [NamedGroup.x25519]: { algorithm: { name: 'X25519' }, publicLength: 32, sharedBits: 256 },
  [NamedGroup.secp256r1]: { algorithm: { name: 'ECDH', namedCurve: 'P-256' }, publicLength: 65, sharedBits: 256 },
  [NamedGroup.secp384r1]: { algorithm: { name: 'ECDH', namedCurve: 'P-384' }, publicLength: 97, sharedBits: 384 },
};

export function isSupportedGroup(group: number): group is NamedGroupId {
  return Object.prototype.hasOwnProperty.call(GROUPS, group);
}

export class KeyShare {
  private constructor(
    readonly group: NamedGroupId,
    readonly publicKey: Uint8Array,
    private readonly privateKey: CryptoKey,
  ) {}

  static async generate(group: NamedGroupId): Promise<KeyShare> {
    const info = GROUPS[group];
    const pair = (await globalThis.crypto.subtle.generateKey(info.algorithm, true, ['deriveBits'])) as CryptoKeyPair;
    const raw = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
    return new KeyShare(group, raw, pair.privateKey);
  }

  /** A share around an existing private key (recorded-flow replays, known-answer tests); `publicKey` is what would be sent. */
  static fromPrivateKey(group: NamedGroupId, privateKey: CryptoKey, publicKey: Uint8Array): KeyShare {
    return new KeyShare(group, publicKey, privateKey);
  }

  /** The shared secret with the server's share; malformed or degenerate shares are illegal_parameter. */
  async sharedSecret(peerPublic: Uint8Array): Promise<Uint8Array> {
    const info = GROUPS[this.group];
    const uncompressed = this.group === NamedGroup.x25519 || peerPublic[0] === 0x04;
    if (peerPublic.length !== info.publicLength || !uncompressed) {
      throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server key share for group 0x${this.group.toString(16)} has a bad encoding`);
    }
    let shared: Uint8Array;
    try {
      const peerKey = await globalThis.crypto.subtle.importKey('raw', bufferSource(peerPublic), info.algorithm, false, []);
      shared = new Uint8Array(await globalThis.crypto.subtle.deriveBits({ name: info.algorithm.name, public: peerKey } as EcdhKeyDeriveParams, this.privateKey, info.sharedBits));
    } catch (cause) {
      throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', 'server key share is not a valid public key', { cause });
    }
    // RFC 8446 §7.4.2: an all-zero X25519 result must be rejected. (For P-256/P-384 an x-coordinate of 0 is a legitimate secret.)
    if (this.group === NamedGroup.x25519 && shared.every((byte) => byte === 0)) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', 'server key share gives an all-zero secret');
    return shared;
  }
}
