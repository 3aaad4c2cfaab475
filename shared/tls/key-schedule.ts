/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1), typed by stage: early -> handshake -> master.
 * No PSK: the early secret is HKDF-Extract(0, 0).
 */
import type { CipherSuiteInfo } from './cipher-suites.js';
import { deriveSecret, digest, hkdfExpandLabel, hkdfExtract, hmac } from './hkdf.js';

export interface TrafficSecrets {
  client: Uint8Array;
  server: Uint8Array;
}

async function derivedSalt(suite: CipherSuiteInfo, secret: Uint8Array): Promise<Uint8Array> {
  const emptyHash = await digest(suite.hash, new Uint8Array(0));
  return deriveSecret(suite.hash, secret, 'derived', emptyHash);
}

export class EarlySecret {
  private constructor(
    readonly suite: CipherSuiteInfo,
    readonly secret: Uint8Array,
  ) {}

  static async create(suite: CipherSuiteInfo): Promise<EarlySecret> {
    return new EarlySecret(suite, await hkdfExtract(suite.hash, undefined, new Uint8Array(suite.hashLength)));
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE). */
  async toHandshakeSecret(sharedSecret: Uint8Array): Promise<HandshakeSecret> {
    const salt = await derivedSalt(this.suite, this.secret);
    return new HandshakeSecret(this.suite, await hkdfExtract(this.suite.hash, salt, sharedSecret));
  }
}

export class HandshakeSecret {
  constructor(
    readonly suite: CipherSuiteInfo,
    readonly secret: Uint8Array,
  ) {}

  /** {client,server}_handshake_traffic_secret over ClientHello..ServerHello. */
  async trafficSecrets(transcriptHash: Uint8Array): Promise<TrafficSecrets> {
    return {
      client: await deriveSecret(this.suite.hash, this.secret, 'c hs traffic', transcriptHash),
      server: await deriveSecret(this.suite.hash, this.secret, 's hs traffic', transcriptHash),
    };
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(handshake, "derived", ""), 0). */
  async toMasterSecret(): Promise<MasterSecret> {
    const salt = await derivedSalt(this.suite, this.secret);
    return new MasterSecret(this.suite, await hkdfExtract(this.suite.hash, salt, new Uint8Array(this.suite.hashLength)));
  }
}

export class MasterSecret {
  constructor(
    readonly suite: CipherSuiteInfo,
    readonly secret: Uint8Array,
  ) {}

  /** {client,server}_application_traffic_secret_0 over ClientHello..server Finished. */
  async trafficSecrets(transcriptHash: Uint8Array): Promise<TrafficSecrets> {
    return {
      client: await deriveSecret(this.suite.hash, this.secret, 'c ap traffic', transcriptHash),
      server: await deriveSecret(this.suite.hash, this.secret, 's ap traffic', transcriptHash),
    };
  }
}

/** RFC 8446 §7.3: the AEAD key and IV for a traffic secret. */
export async function trafficKeys(suite: CipherSuiteInfo, secret: Uint8Array): Promise<{ key: Uint8Array; iv: Uint8Array }> {
  return {
    key: await hkdfExpandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLength),
    iv: await hkdfExpandLabel(suite.hash, secret, 'iv', new Uint8Array(0), suite.ivLength),
  };
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash). */
export async function finishedVerifyData(suite: CipherSuiteInfo, baseKey: Uint8Array, transcriptHash: Uint8Array): Promise<Uint8Array> {
  const finishedKey = await hkdfExpandLabel(suite.hash, baseKey, 'finished', new Uint8Array(0), suite.hashLength);
  return hmac(suite.hash, finishedKey, transcriptHash);
}

/** RFC 8446 §7.2: application_traffic_secret_N+1. */
export function nextTrafficSecret(suite: CipherSuiteInfo, secret: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), suite.hashLength);
}
