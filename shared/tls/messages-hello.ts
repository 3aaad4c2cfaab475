/** ClientHello and ServerHello / HelloRetryRequest codecs (RFC 8446 §4.1). */
import { bytesEqual, utf8Encode } from '../bytes/bytes.js';
import { ByteReader } from '../bytes/reader.js';
import { ByteWriter } from '../bytes/writer.js';
import { tlsError } from './alerts.js';
import { decodeAll } from './codec.js';
import { ExtensionType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType, TLS12_VERSION, TLS13_VERSION } from './constants.js';
import { readExtensions, writeExtensions, type Extension } from './extensions.js';
import { encodeHandshake } from './handshake-framing.js';

export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

export interface ClientHelloParams {
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuites: readonly number[];
  /** SNI host name (RFC 6066 §3); omitted when undefined. */
  serverName?: string | undefined;
  supportedGroups: readonly number[];
  signatureAlgorithms: readonly number[];
  signatureAlgorithmsCert: readonly number[];
  /** Sent only when TLS 1.3 is offered. */
  keyShares: readonly KeyShareEntry[];
  /** supported_versions (RFC 8446 §4.2.1), most preferred first; default [TLS 1.3]. */
  versions?: readonly number[];
  /** Cookie echoed from a HelloRetryRequest (RFC 8446 §4.2.2). */
  cookie?: Uint8Array | undefined;
}

function u16List(lengthBytes: 1 | 2, values: readonly number[]): Uint8Array {
  return new ByteWriter().vector(lengthBytes, (w) => values.forEach((v) => w.u16(v))).finish();
}

/** Encodes a full ClientHello handshake message (RFC 8446 §4.1.2). */
export function encodeClientHello(params: ClientHelloParams): Uint8Array {
  const extensions: Extension[] = [];
  if (params.serverName !== undefined) {
    // RFC 6066 §3: ServerNameList with one host_name (type 0).
    const name = utf8Encode(params.serverName);
    const data = new ByteWriter().vector(2, (list) => list.u8(0).vector(2, (w) => w.bytes(name))).finish();
    extensions.push({ type: ExtensionType.serverName, data });
  }
  const versions = params.versions ?? [TLS13_VERSION];
  extensions.push({ type: ExtensionType.supportedVersions, data: u16List(1, versions) });
  extensions.push({ type: ExtensionType.supportedGroups, data: u16List(2, params.supportedGroups) });
  if (versions.includes(TLS12_VERSION)) {
    // RFC 8422 §5.1.2: uncompressed points only.
    extensions.push({ type: ExtensionType.ecPointFormats, data: new Uint8Array([1, 0]) });
    // RFC 7627 §5.1: extended master secret, which the TLS 1.2 handshake requires of the server.
    extensions.push({ type: ExtensionType.extendedMasterSecret, data: new Uint8Array(0) });
    // RFC 5746 §3.4: an empty renegotiated_connection on the initial handshake (we never renegotiate).
    extensions.push({ type: ExtensionType.renegotiationInfo, data: new Uint8Array([0]) });
  }
  extensions.push({ type: ExtensionType.signatureAlgorithms, data: u16List(2, params.signatureAlgorithms) });
  extensions.push({ type: ExtensionType.signatureAlgorithmsCert, data: u16List(2, params.signatureAlgorithmsCert) });
  if (params.cookie !== undefined) {
    extensions.push({ type: ExtensionType.cookie, data: new ByteWriter().vector(2, (w) => w.bytes(params.cookie!)).finish() });
  }
  if (versions.includes(TLS13_VERSION)) {
    const shares = new ByteWriter()
      .vector(2, (list) => {
        for (const share of params.keyShares) list.u16(share.group).vector(2, (w) => w.bytes(share.keyExchange));
      })
      .finish();
    extensions.push({ type: ExtensionType.keyShare, data: shares });
  }

  const body = new ByteWriter()
    .u16(TLS12_VERSION) // legacy_version
    .bytes(params.random)
    .vector(1, (w) => w.bytes(params.sessionId))
    .vector(2, (w) => params.cipherSuites.forEach((suite) => w.u16(suite)))
    .vector(1, (w) => w.u8(0)) // legacy_compression_methods: null only
    .finish();
  const writer = new ByteWriter().bytes(body);
  writeExtensions(writer, extensions);
  return encodeHandshake(HandshakeType.clientHello, writer.finish());
}

export interface ServerHello {
  isHelloRetryRequest: boolean;
  legacyVersion: number;
  random: Uint8Array;
  sessionIdEcho: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Map<number, Uint8Array>;
}

/** Decodes a ServerHello body; a HelloRetryRequest is a ServerHello with the special random (RFC 8446 §4.1.3). */
export function decodeServerHello(body: Uint8Array): ServerHello {
  return decodeAll('ServerHello', body, (r) => {
    const legacyVersion = r.u16('ServerHello.legacy_version');
    const random = r.bytesOf(32, 'ServerHello.random');
    const sessionIdEcho = r.vector(1, 'ServerHello.legacy_session_id_echo');
    const cipherSuite = r.u16('ServerHello.cipher_suite');
    const compressionMethod = r.u8('ServerHello.legacy_compression_method');
    // RFC 8446 §4.1.3: a TLS 1.2 ServerHello without extensions is still well formed.
    const extensions = r.isEmpty() ? new Map<number, Uint8Array>() : readExtensions(r, 'ServerHello');
    return {
      isHelloRetryRequest: bytesEqual(random, HELLO_RETRY_REQUEST_RANDOM),
      legacyVersion,
      random,
      sessionIdEcho,
      cipherSuite,
      compressionMethod,
      extensions,
    };
  });
}

/** supported_versions in a ServerHello: one selected_version (RFC 8446 §4.2.1). */
export function decodeSelectedVersion(data: Uint8Array): number {
  return decodeAll('supported_versions', data, (r) => r.u16('selected_version'));
}

/** key_share in a ServerHello: one KeyShareEntry (RFC 8446 §4.2.8). */
export function decodeServerKeyShare(data: Uint8Array): KeyShareEntry {
  return decodeAll('key_share', data, (r) => {
    const group = r.u16('key_share.group');
    const keyExchange = r.vector(2, 'key_share.key_exchange');
    if (keyExchange.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty key_share.key_exchange');
    return { group, keyExchange };
  });
}

/** key_share in a HelloRetryRequest: the selected_group (RFC 8446 §4.2.8). */
export function decodeSelectedGroup(data: Uint8Array): number {
  return decodeAll('key_share', data, (r) => r.u16('key_share.selected_group'));
}

/** cookie extension (RFC 8446 §4.2.2): opaque cookie<1..2^16-1>. */
export function decodeCookie(data: Uint8Array): Uint8Array {
  return decodeAll('cookie', data, (r) => {
    const cookie = r.vector(2, 'cookie');
    if (cookie.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty cookie');
    return cookie;
  });
}

/** Reads a u16 list such as supported_groups (used by tests and EncryptedExtensions). */
export function decodeU16List(data: Uint8Array, field: string): number[] {
  return decodeAll(field, data, (r: ByteReader) => {
    const list = r.subReader(2, field);
    const out: number[] = [];
    while (!list.isEmpty()) out.push(list.u16(field));
    return out;
  });
}
