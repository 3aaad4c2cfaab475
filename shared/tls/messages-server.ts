/**
 * Codecs for the server's encrypted flight and post-handshake messages (RFC 8446 §4.3–§4.6),
 * plus the client's Certificate and Finished.
 */
import { ByteWriter } from '../bytes/writer.js';
import { tlsError } from './alerts.js';
import { decodeAll } from './codec.js';
import { ExtensionType, HandshakeType } from './constants.js';
import { readExtensions } from './extensions.js';
import { encodeHandshake } from './handshake-framing.js';

/** RFC 8446 §4.3.1 EncryptedExtensions. */
export function decodeEncryptedExtensions(body: Uint8Array): Map<number, Uint8Array> {
  return decodeAll('EncryptedExtensions', body, (r) => readExtensions(r, 'EncryptedExtensions'));
}

export interface CertificateRequest {
  context: Uint8Array;
  extensions: Map<number, Uint8Array>;
}

/** RFC 8446 §4.3.2 CertificateRequest; signature_algorithms is mandatory. */
export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const request = decodeAll('CertificateRequest', body, (r) => ({
    context: r.vector(1, 'CertificateRequest.certificate_request_context'),
    extensions: readExtensions(r, 'CertificateRequest'),
  }));
  if (!request.extensions.has(ExtensionType.signatureAlgorithms)) {
    throw tlsError('TLS_PROTOCOL_ERROR', 'missing_extension', 'CertificateRequest without signature_algorithms');
  }
  return request;
}

export interface CertificateEntry {
  der: Uint8Array;
  extensions: Map<number, Uint8Array>;
}

export interface CertificateMessage {
  context: Uint8Array;
  entries: CertificateEntry[];
}

/** RFC 8446 §4.4.2 Certificate (X.509 entries only). */
export function decodeCertificate(body: Uint8Array): CertificateMessage {
  return decodeAll('Certificate', body, (r) => {
    const context = r.vector(1, 'Certificate.certificate_request_context');
    const list = r.subReader(3, 'Certificate.certificate_list');
    const entries: CertificateEntry[] = [];
    while (!list.isEmpty()) {
      const der = list.vector(3, 'CertificateEntry.cert_data');
      if (der.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty CertificateEntry.cert_data');
      entries.push({ der: der.slice(), extensions: readExtensions(list, 'CertificateEntry') });
    }
    return { context, entries };
  });
}

/** A Certificate message carrying the given chain (empty when the client has no certificate). */
export function encodeCertificate(context: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  const body = new ByteWriter()
    .vector(1, (w) => w.bytes(context))
    .vector(3, (list) => {
      for (const der of chain) list.vector(3, (w) => w.bytes(der)).u16(0);
    })
    .finish();
  return encodeHandshake(HandshakeType.certificate, body);
}

export interface CertificateVerify {
  scheme: number;
  signature: Uint8Array;
}

/** RFC 8446 §4.4.3 CertificateVerify. */
export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  return decodeAll('CertificateVerify', body, (r) => ({
    scheme: r.u16('CertificateVerify.algorithm'),
    signature: r.vector(2, 'CertificateVerify.signature'),
  }));
}

/** RFC 8446 §4.4.4 Finished: verify_data is the whole body, Hash.length bytes. */
export function decodeFinished(body: Uint8Array, hashLength: number): Uint8Array {
  if (body.length !== hashLength) {
    throw tlsError('TLS_DECODE_ERROR', 'decode_error', `Finished of ${body.length} bytes, expected ${hashLength}`);
  }
  return body;
}

export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.finished, verifyData);
}

/** RFC 8446 §4.6.3 KeyUpdate: request_update is 0 (not requested) or 1 (requested). */
export function decodeKeyUpdate(body: Uint8Array): boolean {
  const value = decodeAll('KeyUpdate', body, (r) => r.u8('KeyUpdate.request_update'));
  if (value > 1) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', `KeyUpdate.request_update ${value}`);
  return value === 1;
}

export function encodeKeyUpdate(requestUpdate: boolean): Uint8Array {
  return encodeHandshake(HandshakeType.keyUpdate, new Uint8Array([requestUpdate ? 1 : 0]));
}

/** RFC 8446 §4.6.1 NewSessionTicket: checked for form only; this client does not resume sessions. */
export function decodeNewSessionTicket(body: Uint8Array): void {
  decodeAll('NewSessionTicket', body, (r) => {
    r.u32('ticket_lifetime');
    r.u32('ticket_age_add');
    r.vector(1, 'ticket_nonce');
    if (r.vector(2, 'ticket').length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty NewSessionTicket.ticket');
    readExtensions(r, 'NewSessionTicket');
  });
}
