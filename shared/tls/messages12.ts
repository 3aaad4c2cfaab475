/**
 * Codecs for the TLS 1.2 handshake messages that differ from TLS 1.3 (RFC 5246 §7.4, RFC 8422 §5):
 * Certificate, ServerKeyExchange (ECDHE), CertificateRequest, ServerHelloDone, ClientKeyExchange,
 * CertificateVerify and Finished. Every decoder rejects trailing bytes and names the field.
 */
import { ByteWriter } from '../bytes/writer.js';
import { tlsError } from './alerts.js';
import { decodeAll } from './codec.js';
import { HandshakeType } from './constants.js';
import { encodeHandshake } from './handshake-framing.js';

/** RFC 5246 §7.4.2 Certificate: ASN.1Cert certificate_list<0..2^24-1>, no per-entry extensions. */
export function decodeCertificate12(body: Uint8Array): Uint8Array[] {
  return decodeAll('Certificate', body, (r) => {
    const list = r.subReader(3, 'Certificate.certificate_list');
    const chain: Uint8Array[] = [];
    while (!list.isEmpty()) {
      const der = list.vector(3, 'ASN.1Cert');
      if (der.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty ASN.1Cert');
      chain.push(der.slice());
    }
    return chain;
  });
}

export function encodeCertificate12(chain: readonly Uint8Array[]): Uint8Array {
  const body = new ByteWriter()
    .vector(3, (list) => {
      for (const der of chain) list.vector(3, (w) => w.bytes(der));
    })
    .finish();
  return encodeHandshake(HandshakeType.certificate, body);
}

/** RFC 8422 §5.4 ECCurveType named_curve. */
const NAMED_CURVE = 3;

export interface ServerEcdhParams {
  group: number;
  publicKey: Uint8Array;
  /** The ServerECDHParams bytes as sent; RFC 8422 §5.4 signs client_random + server_random + these. */
  raw: Uint8Array;
  scheme: number;
  signature: Uint8Array;
}

/** RFC 8422 §5.4 ServerKeyExchange for ECDHE_RSA / ECDHE_ECDSA, with a TLS 1.2 digitally-signed struct (RFC 5246 §4.7). */
export function decodeServerKeyExchange(body: Uint8Array): ServerEcdhParams {
  return decodeAll('ServerKeyExchange', body, (r) => {
    const start = r.position;
    const curveType = r.u8('ECParameters.curve_type');
    if (curveType !== NAMED_CURVE) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `ServerKeyExchange curve_type ${curveType} is not named_curve`);
    const group = r.u16('ECParameters.namedcurve');
    const publicKey = r.vector(1, 'ServerECDHParams.public');
    if (publicKey.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty ServerECDHParams.public');
    const raw = body.slice(start, r.position);
    const scheme = r.u16('ServerKeyExchange.signature.algorithm');
    const signature = r.vector(2, 'ServerKeyExchange.signature');
    return { group, publicKey, raw, scheme, signature };
  });
}

/** RFC 5246 §7.4.4 ClientCertificateType values we can answer with. */
export const ClientCertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

export interface CertificateRequest12 {
  certificateTypes: number[];
  signatureSchemes: number[];
  /** DER DistinguishedNames; informational only (we send our chain regardless, like OpenSSL). */
  authorities: Uint8Array[];
}

/** RFC 5246 §7.4.4 CertificateRequest. */
export function decodeCertificateRequest12(body: Uint8Array): CertificateRequest12 {
  return decodeAll('CertificateRequest', body, (r) => {
    const types = r.vector(1, 'CertificateRequest.certificate_types');
    if (types.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty CertificateRequest.certificate_types');
    const schemes = r.subReader(2, 'CertificateRequest.supported_signature_algorithms');
    const signatureSchemes: number[] = [];
    while (!schemes.isEmpty()) signatureSchemes.push(schemes.u16('SignatureAndHashAlgorithm'));
    if (signatureSchemes.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'empty CertificateRequest.supported_signature_algorithms');
    const names = r.subReader(2, 'CertificateRequest.certificate_authorities');
    const authorities: Uint8Array[] = [];
    while (!names.isEmpty()) authorities.push(names.vector(2, 'DistinguishedName'));
    return { certificateTypes: [...types], signatureSchemes, authorities };
  });
}

/** RFC 5246 §7.4.5 ServerHelloDone has an empty body. */
export function decodeServerHelloDone(body: Uint8Array): void {
  if (body.length !== 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', `ServerHelloDone of ${body.length} bytes, expected 0`);
}

/** RFC 8422 §5.7 ClientECDiffieHellmanPublic: ECPoint ecdh_Yc<1..2^8-1>. */
export function encodeClientKeyExchange(publicKey: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.clientKeyExchange, new ByteWriter().vector(1, (w) => w.bytes(publicKey)).finish());
}

/** RFC 5246 §7.4.8 CertificateVerify (same layout as RFC 8446 §4.4.3): algorithm, signature<0..2^16-1>. */
export function encodeCertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.certificateVerify, new ByteWriter().u16(scheme).vector(2, (w) => w.bytes(signature)).finish());
}

/** RFC 5246 §7.4.9: verify_data_length is 12 for every suite we offer. */
export const TLS12_VERIFY_DATA_LENGTH = 12;
