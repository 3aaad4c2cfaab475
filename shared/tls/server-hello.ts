/** Checks on a ServerHello / HelloRetryRequest common to both versions (RFC 8446 §4.1.3, §4.2.1, §4.2.8; RFC 5246 §7.4.1.3). */
import { bytesEqual } from '../bytes/bytes.js';
import { tlsError } from './alerts.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, TLS12_VERSION, TLS13_VERSION } from './constants.js';
import { rejectUnexpectedExtensions } from './extensions.js';
import { decodeSelectedVersion, decodeServerHello, decodeServerKeyShare, type KeyShareEntry, type ServerHello } from './messages-hello.js';

export type TlsVersionName = 'TLSv1.3' | 'TLSv1.2';

/**
 * Decodes the ServerHello and decides the version (RFC 8446 §4.2.1): supported_versions if present
 * (then it must be 1.3, the only version it can select), else legacy_version, which must be 1.2.
 * `offered` is what our supported_versions listed.
 */
export function checkServerHello(body: Uint8Array, sessionId: Uint8Array, offered: readonly number[] = [TLS13_VERSION]): { hello: ServerHello; version: TlsVersionName } {
  const hello = decodeServerHello(body);
  const versionData = hello.extensions.get(ExtensionType.supportedVersions);
  let version: TlsVersionName;
  if (versionData) {
    const selected = decodeSelectedVersion(versionData);
    // RFC 8446 §4.2.1: a version we did not offer, or one before 1.3 in this extension, is illegal_parameter.
    if (selected !== TLS13_VERSION || !offered.includes(selected)) {
      throw tlsError('TLS_UNSUPPORTED', 'illegal_parameter', `server selected version 0x${selected.toString(16)}, which was not offered`);
    }
    version = 'TLSv1.3';
  } else if (hello.legacyVersion === TLS12_VERSION && offered.includes(TLS12_VERSION) && !hello.isHelloRetryRequest) {
    version = 'TLSv1.2';
  } else {
    const what = `0x${hello.legacyVersion.toString(16)}`;
    const supported = offered.includes(TLS12_VERSION) ? 'TLS 1.2 and 1.3 are' : 'only TLS 1.3 is';
    throw tlsError('TLS_UNSUPPORTED', 'protocol_version', `server chose TLS version ${what}; ${supported} implemented`);
  }
  // RFC 8446 §4.1.3: when we offered 1.3 and got 1.2 or below, both downgrade sentinels mean an attack.
  // A 1.3 ServerHello cannot carry them either (except by 2^-64 chance), so they are refused there too.
  const tail = hello.random.subarray(24);
  if (offered.includes(TLS13_VERSION) && !hello.isHelloRetryRequest && (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11))) {
    throw tlsError('TLS_UNSUPPORTED', 'illegal_parameter', 'ServerHello carries a downgrade sentinel: the server, or something in between, negotiated an older TLS version');
  }
  // RFC 8446 §4.1.3: "TLS 1.2 clients SHOULD also check" DOWNGRD00, which means TLS 1.1 or below was negotiated.
  if (version === 'TLSv1.2' && bytesEqual(tail, DOWNGRADE_TLS11)) {
    throw tlsError('TLS_UNSUPPORTED', 'illegal_parameter', 'ServerHello carries the TLS 1.1 downgrade sentinel');
  }
  if (hello.legacyVersion !== TLS12_VERSION) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'ServerHello.legacy_version is not 0x0303');
  // RFC 8446 §4.1.3: a 1.3 server echoes legacy_session_id. In 1.2 an echo would mean resumption (RFC 5246 §7.4.1.3),
  // which we never offer: our 32 random bytes coming back can only be an error.
  if (version === 'TLSv1.3' && !bytesEqual(hello.sessionIdEcho, sessionId)) {
    throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'ServerHello does not echo our legacy_session_id');
  }
  if (version === 'TLSv1.2' && sessionId.length > 0 && bytesEqual(hello.sessionIdEcho, sessionId)) {
    throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'TLS 1.2 server tried to resume a session that was never offered');
  }
  if (hello.compressionMethod !== 0) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'ServerHello uses compression');
  return { hello, version };
}

/** The key_share of a real ServerHello; only supported_versions and key_share are allowed (no PSK offered). */
export function serverKeyShare(hello: ServerHello): KeyShareEntry {
  rejectUnexpectedExtensions(hello.extensions, [ExtensionType.supportedVersions, ExtensionType.keyShare], 'ServerHello');
  const data = hello.extensions.get(ExtensionType.keyShare);
  if (!data) throw tlsError('TLS_HANDSHAKE_FAILURE', 'missing_extension', 'ServerHello has no key_share');
  return decodeServerKeyShare(data);
}
