/**
 * TLS alerts (RFC 8446 §6): names for messages, and the alert we send for each local failure.
 * An error may carry an explicit alert (attached with `tlsError`); otherwise its code decides.
 */
import { MyProxyWebError, type ErrorCode } from '../errors.js';

/** RFC 8446 §6 AlertDescription values and their registry names. */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  /** RFC 5246 §7.2.2: always a warning; our answer to a TLS 1.2 HelloRequest. */
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;
export type AlertName = keyof typeof AlertDescription;

const NAMES = new Map<number, string>(Object.entries(AlertDescription).map(([name, value]) => [value, name]));

export function alertName(description: number): string {
  return NAMES.get(description) ?? 'unknown';
}

const EXPLICIT_ALERT = new WeakMap<MyProxyWebError, number>();

/** A MyProxyWebError that, when raised inside the TLS engine, sends `alert` to the peer. */
export function tlsError(code: ErrorCode, alert: AlertName, message: string, options?: { cause?: unknown }): MyProxyWebError {
  const error = new MyProxyWebError(code, message, options);
  EXPLICIT_ALERT.set(error, AlertDescription[alert]);
  return error;
}

const ALERT_BY_CODE: Partial<Record<ErrorCode, AlertName>> = {
  TLS_DECODE_ERROR: 'decode_error',
  TLS_BAD_RECORD_MAC: 'bad_record_mac',
  TLS_RECORD_OVERFLOW: 'record_overflow',
  TLS_PROTOCOL_ERROR: 'unexpected_message',
  TLS_UNSUPPORTED: 'protocol_version',
  TLS_HANDSHAKE_FAILURE: 'handshake_failure',
  TLS_BAD_SIGNATURE: 'decrypt_error',
  CERT_UNTRUSTED: 'unknown_ca',
  CERT_EXPIRED: 'certificate_expired',
  CERT_NOT_YET_VALID: 'certificate_expired',
  CERT_BAD_SIGNATURE: 'bad_certificate',
  CERT_INVALID: 'bad_certificate',
  CERT_PARSE_ERROR: 'bad_certificate',
  CERT_NAME_MISMATCH: 'bad_certificate',
  CERT_SELF_SIGNED: 'unknown_ca',
  CERT_INCOMPLETE_CHAIN: 'unknown_ca',
  CERT_WEAK_SIGNATURE: 'bad_certificate',
  CERT_WEAK_KEY: 'bad_certificate',
  CERT_UNKNOWN_CRITICAL_EXTENSION: 'unsupported_certificate',
  CERT_BAD_KEY_USAGE: 'bad_certificate',
  CERT_BAD_EKU: 'unsupported_certificate',
  CERT_PATH_LENGTH: 'bad_certificate',
  CERT_NAME_CONSTRAINTS: 'bad_certificate',
  CERT_BAD_PROXY: 'bad_certificate',
};

/** The alert to send for a local failure, or undefined when none should be sent (timeouts, peer alerts, transport loss). */
export function alertForError(error: MyProxyWebError): number | undefined {
  const explicit = EXPLICIT_ALERT.get(error);
  if (explicit !== undefined) return explicit;
  if (error.code === 'TLS_ALERT_RECEIVED' || error.code === 'TLS_HANDSHAKE_TIMEOUT' || error.code.startsWith('TRANSPORT_')) {
    return undefined;
  }
  const name = ALERT_BY_CODE[error.code];
  return name === undefined ? AlertDescription.internal_error : AlertDescription[name];
}

/** Encodes an Alert message body (RFC 8446 §6): level 2 (fatal) except close_notify/user_canceled/no_renegotiation at level 1. */
export function encodeAlert(description: number): Uint8Array {
  const warning =
    description === AlertDescription.close_notify || description === AlertDescription.user_canceled || description === AlertDescription.no_renegotiation;
  return new Uint8Array([warning ? 1 : 2, description]);
}
