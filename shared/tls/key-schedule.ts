/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1), typed by stage: early -> handshake -> master.
 * No PSK: the early secret is HKDF-Extract(0, 0).
 */
import { bytesEqual } from '../bytes/bytes.js';
import type { CipherSuiteInfo, HashName } from './cipher-suites.js';
import { deriveSecret, digest, hkdfExpandLabel, hkdfExtract, hmac } from './hkdf.js';

export interface TrafficSecrets {
  client: Uint8Array;
  server: Uint8Array;
}

/** Transcript-Hash("") per hash, for Derive-Secret(., "derived", "") (RFC 8446 §7.1). */
const emptyHashes = new Map<HashName, Promise<Uint8Array>>();

async function derivedSalt(suite: CipherSuiteInfo, secret: Uint8Array): Promise<Uint8Array> {
  let emptyHash = emptyHashes.get(suite.hash);
  if (!emptyHash) emptyHashes.set(suite.hash, (emptyHash = digest(suite.hash, new Uint8Array(0))));
  return deriveSecret(suite.hash, secret, 'derived', (await emptyHash).slice());
}

/**
 * Without a PSK the early secret and the salt derived from it are the same for every connection
 * (RFC 8446 §7.1: HKDF-Extract(0, 0)); they are computed once per cipher suite.
 */
const earlyStages = new Map<number, Promise<{ secret: Uint8Array; derived: Uint8Array }>>();

function earlyStage(suite: CipherSuiteInfo): Promise<{ secret: Uint8Array; derived: Uint8Array }> {
  let stage = earlyStages.get(suite.id);
  if (!stage) {
    stage = (async () => {
      const secret = await hkdfExtract(suite.hash, undefined, new Uint8Array(suite.hashLength));
      return { secret, derived: await derivedSalt(suite, secret) };
    })();
    stage.catch(() => earlyStages.delete(suite.id));
    earlyStages.set(suite.id, stage);
  }
  return stage;
}

export class EarlySecret {
  private constructor(
    readonly suite: CipherSuiteInfo,
    readonly secret: Uint8Array,
  ) {}

  static async create(suite: CipherSuiteInfo): Promise<EarlySecret> {
    return new EarlySecret(suite, (await earlyStage(suite)).secret.slice());
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE). */
  async toHandshakeSecret(sharedSecret: Uint8Array): Promise<HandshakeSecret> {
    const stage = await earlyStage(this.suite);
    const salt = bytesEqual(stage.secret, this.secret) ? stage.derived : await derivedSalt(this.suite, this.secret);
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
    const [client, server] = await Promise.all([
      deriveSecret(this.suite.hash, this.secret, 'c hs traffic', transcriptHash),
      deriveSecret(this.suite.hash, this.secret, 's hs traffic', transcriptHash),
    ]);
    return { client, server };
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
    const [client, server] = await Promise.all([
      deriveSecret(this.suite.hash, this.secret, 'c ap traffic', transcriptHash),
      deriveSecret(this.suite.hash, this.secret, 's ap traffic', transcriptHash),
    ]);
    return { client, server };
  }
}

/** RFC 8446 §7.3: the AEAD key and IV for a traffic secret. */
export async function trafficKeys(suite: CipherSuiteInfo, secret: Uint8Array): Promise<{ key: Uint8Array; iv: Uint8Array }> {
  const [key, iv] = await Promise.all([
    hkdfExpandLabel(suite.hash, secret, 'key', new Uint8Array(0), suite.keyLength),
    hkdfExpandLabel(suite.hash, secret, 'iv', new Uint8Array(0), suite.ivLength),
  ]);
  return { key, iv };
}

/** RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
export function finishedKey(suite: CipherSuiteInfo, baseKey: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(suite.hash, baseKey, 'finished', new Uint8Array(0), suite.hashLength);
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash), given finished_key. */
export function finishedMac(suite: CipherSuiteInfo, key: Uint8Array, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return hmac(suite.hash, key, transcriptHash);
}

/** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash). */
export async function finishedVerifyData(suite: CipherSuiteInfo, baseKey: Uint8Array, transcriptHash: Uint8Array): Promise<Uint8Array> {
  return finishedMac(suite, await finishedKey(suite, baseKey), transcriptHash);
}

/** RFC 8446 §7.2: application_traffic_secret_N+1. */
export function nextTrafficSecret(suite: CipherSuiteInfo, secret: Uint8Array): Promise<Uint8Array> {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', new Uint8Array(0), suite.hashLength);
}
