/**
 * One error class for the whole project, with stable string codes.
 * Messages are for people; codes are for programs and tests (docs/errors.md lists every code).
 */
export const ERROR_CODES = [
  // Input given by the user or the embedding page.
  'BAD_INPUT',
  // Transport (WebSocket bridge or TCP).
  'TRANSPORT_CONNECT_FAILED',
  'TRANSPORT_CLOSED',
  'TRANSPORT_TIMEOUT',
  // TLS.
  'TLS_HANDSHAKE_TIMEOUT',
  'TLS_PROTOCOL_ERROR',
  'TLS_DECODE_ERROR',
  'TLS_ALERT_RECEIVED',
  'TLS_UNSUPPORTED',
  'TLS_BAD_RECORD_MAC',
  'TLS_RECORD_OVERFLOW',
  'TLS_HANDSHAKE_FAILURE',
  'TLS_BAD_SIGNATURE',
  'TLS_CLOSED',
  // Certificates and identity.
  'CERT_UNTRUSTED',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_BAD_SIGNATURE',
  'CERT_INVALID',
  'CERT_NAME_MISMATCH',
  'CERT_PARSE_ERROR',
  'CERT_SELF_SIGNED',
  'CERT_INCOMPLETE_CHAIN',
  'CERT_WEAK_SIGNATURE',
  'CERT_WEAK_KEY',
  'CERT_UNKNOWN_CRITICAL_EXTENSION',
  'CERT_BAD_KEY_USAGE',
  'CERT_BAD_EKU',
  'CERT_PATH_LENGTH',
  'CERT_NAME_CONSTRAINTS',
  'CERT_BAD_PROXY',
  // MyProxy.
  'MYPROXY_REJECTED',
  'MYPROXY_AUTH_FAILED',
  'MYPROXY_PROTOCOL_ERROR',
  'MYPROXY_TIMEOUT',
  // The caller cancelled the operation (AbortSignal).
  'ABORTED',
  // Local output.
  'OUTPUT_WRITE_FAILED',
  // Anything that should never happen.
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class MyProxyWebError extends Error {
  override readonly name = 'MyProxyWebError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isMyProxyWebError(value: unknown): value is MyProxyWebError {
  return value instanceof MyProxyWebError;
}

/** Wrap anything thrown into a MyProxyWebError, keeping codes that are already ours. */
export function toMyProxyWebError(value: unknown, fallback: ErrorCode = 'INTERNAL'): MyProxyWebError {
  if (value instanceof MyProxyWebError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new MyProxyWebError(fallback, message, { cause: value });
}
