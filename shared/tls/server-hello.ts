/** Checks on a ServerHello / HelloRetryRequest common to both (RFC 8446 §4.1.3, §4.2.1, §4.2.8). */
import { bytesEqual } from '../bytes/bytes.js';
import { tlsError } from './alerts.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, ExtensionType, TLS12_VERSION, TLS13_VERSION } from './constants.js';
import { rejectUnexpectedExtensions } from './extensions.js';
import { decodeSelectedVersion, decodeServerHello, decodeServerKeyShare, type KeyShareEntry, type ServerHello } from './messages-hello.js';

/** Decodes and checks the fields that do not depend on the key exchange. */
export function checkServerHello(body: Uint8Array, sessionId: Uint8Array): ServerHello {
  const hello = decodeServerHello(body);
  const tail = hello.random.subarray(24);
  // RFC 8446 §4.1.3: a TLS 1.3 client must reject these sentinels; we only speak 1.3.
  if (!hello.isHelloRetryRequest && (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11))) {
    throw tlsError('TLS_UNSUPPORTED', 'illegal_parameter', 'ServerHello carries a downgrade sentinel: the server, or something in between, negotiated an older TLS version');
  }
  const versionData = hello.extensions.get(ExtensionType.supportedVersions);
  if (!versionData) {
    const version = `0x${hello.legacyVersion.toString(16)}`;
    throw tlsError('TLS_UNSUPPORTED', 'protocol_version', `server chose a TLS version before 1.3 (${version}); only TLS 1.3 is implemented`);
  }
  const selected = decodeSelectedVersion(versionData);
  if (selected !== TLS13_VERSION) throw tlsError('TLS_UNSUPPORTED', 'illegal_parameter', `server selected version 0x${selected.toString(16)}, which was not offered`);
  if (hello.legacyVersion !== TLS12_VERSION) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'ServerHello.legacy_version is not 0x0303');
  if (!bytesEqual(hello.sessionIdEcho, sessionId)) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'ServerHello does not echo our legacy_session_id');
  if (hello.compressionMethod !== 0) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'ServerHello uses compression');
  return hello;
}

/** The key_share of a real ServerHello; only supported_versions and key_share are allowed (no PSK offered). */
export function serverKeyShare(hello: ServerHello): KeyShareEntry {
  rejectUnexpectedExtensions(hello.extensions, [ExtensionType.supportedVersions, ExtensionType.keyShare], 'ServerHello');
  const data = hello.extensions.get(ExtensionType.keyShare);
  if (!data) throw tlsError('TLS_HANDSHAKE_FAILURE', 'missing_extension', 'ServerHello has no key_share');
  return decodeServerKeyShare(data);
}
