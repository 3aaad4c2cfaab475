/** X.509 helpers over pkijs: parsing, OpenSSL-style one-line names, and extension lookups. */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { DerCache } from './der-cache.js';
import { formatDnOneline } from './dn.js';

/** Parsed certificates by content: one parse per certificate, however often it is looked at (der-cache.ts). */
const parsed = new DerCache<pkijs.Certificate>(64);

/**
 * Parses a DER certificate; anything malformed (including trailing bytes) is CERT_PARSE_ERROR.
 * The result is shared with every other caller that parses the same bytes: treat it as read-only.
 */
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return parsed.get(der, parseUncached);
}

function parseUncached(der: Uint8Array): pkijs.Certificate {
  const asn1 = asn1js.fromBER(der.slice().buffer);
  if (asn1.offset === -1 || asn1.offset !== der.length) {
    throw new MyProxyWebError('CERT_PARSE_ERROR', 'certificate is not valid DER');
  }
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch (cause) {
    throw new MyProxyWebError('CERT_PARSE_ERROR', `certificate cannot be parsed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** The string value of one attribute, as OpenSSL shows it (the raw string for string types). */
export function attributeValue(value: pkijs.AttributeTypeAndValue['value']): string {
  const block = value as { valueBlock?: { value?: unknown } };
  const inner = block.valueBlock?.value;
  if (typeof inner === 'string') return inner;
  return value.toString();
}

/** OpenSSL "oneline" form of a name (one implementation, in dn.ts). */
export { formatDnOneline };

/** The values of every attribute of `oid` in a name, in order. */
export function nameValues(name: pkijs.RelativeDistinguishedNames, oid: string): string[] {
  return name.typesAndValues.filter((tv) => tv.type === oid).map((tv) => attributeValue(tv.value));
}

export function findExtension(certificate: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return certificate.extensions?.find((extension) => extension.extnID === oid);
}

/** Byte-exact DER equality of two names (how the chain builder matches issuer and subject). */
export function namesEqual(a: pkijs.RelativeDistinguishedNames, b: pkijs.RelativeDistinguishedNames): boolean {
  return bytesEqual(new Uint8Array(a.valueBeforeDecode), new Uint8Array(b.valueBeforeDecode)) || a.isEqual(b);
}

/** The named curve OID of an EC public key, or undefined for other key types. */
export function ecCurveOid(certificate: pkijs.Certificate): string | undefined {
  const params: unknown = certificate.subjectPublicKeyInfo.algorithm.algorithmParams;
  return params instanceof asn1js.ObjectIdentifier ? params.getValue() : undefined;
}

/** RFC 3820 ProxyCertInfo. */
const PROXY_CERT_INFO_OID = '1.3.6.1.5.5.7.1.14';

/**
 * The identity a chain speaks for: the subject (oneline) of its first certificate that is not
 * an RFC 3820 proxy, as myproxy-logon -d uses it (the "base subject" of the GSI credential).
 */
export function baseIdentitySubject(chainDer: readonly Uint8Array[]): string {
  for (const der of chainDer) {
    const certificate = parseCertificate(der);
    if (!findExtension(certificate, PROXY_CERT_INFO_OID)) return formatDnOneline(certificate.subject);
  }
  throw new MyProxyWebError('BAD_INPUT', 'the credential holds only proxy certificates, without the end-entity certificate they were made from');
}
