/**
 * OpenSSL's subject name hash (`openssl x509 -noout -subject_hash`, X509_NAME_hash_ex): the
 * name of `<hash>.0` files in a grid trust directory. It is the first four bytes, read
 * little-endian, of the SHA-1 of the name's *canonical* encoding (x509_name_canon and
 * asn1_string_canon in OpenSSL's crypto/x509/x_name.c):
 * - each RDN is encoded as its DER SET OF AttributeTypeAndValue, and the RDNs are simply
 *   concatenated (no outer SEQUENCE header);
 * - values of the string types UTF8String, BMPString, UniversalString, PrintableString,
 *   T61String, IA5String and VisibleString become UTF8String, with leading and trailing
 *   white space removed, inner runs of white space collapsed to one space, and ASCII letters
 *   lower-cased (other bytes are kept as they are);
 * - values of any other type are kept as they were encoded.
 */
import * as asn1js from 'asn1js';
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';

/** Tags of the string types OpenSSL canonicalises (ASN1_MASK_CANON). */
const CANONICAL_TAGS = new Set([
  12, // UTF8String
  19, // PrintableString
  20, // T61String (TeletexString)
  22, // IA5String
  26, // VisibleString
  28, // UniversalString
  30, // BMPString
]);

/** ossl_isspace: space, \t, \n, \v, \f, \r. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

/** The value as UTF-8, as ASN1_STRING_to_UTF8 converts it. */
function toUtf8(tag: number, content: Uint8Array): Uint8Array {
  switch (tag) {
    case 12: // UTF8String: already UTF-8
      return content;
    case 30: {
      // BMPString: UCS-2 big-endian.
      let text = '';
      for (let i = 0; i + 1 < content.length; i += 2) text += String.fromCharCode((content[i]! << 8) | content[i + 1]!);
      return utf8Encode(text);
    }
    case 28: {
      // UniversalString: UCS-4 big-endian.
      let text = '';
      for (let i = 0; i + 3 < content.length; i += 4) {
        const code = ((content[i]! << 24) | (content[i + 1]! << 16) | (content[i + 2]! << 8) | content[i + 3]!) >>> 0;
        text += String.fromCodePoint(Math.min(code, 0x10ffff));
      }
      return utf8Encode(text);
    }
    default: {
      // PrintableString, T61String, IA5String, VisibleString: one byte per character (Latin-1).
      let text = '';
      for (const byte of content) text += String.fromCharCode(byte);
      return utf8Encode(text);
    }
  }
}

/** asn1_string_canon on UTF-8 bytes. */
export function canonicalValueBytes(utf8: Uint8Array): Uint8Array {
  let start = 0;
  let end = utf8.length;
  while (start < end && isSpace(utf8[start])) start++;
  while (end > start && isSpace(utf8[end - 1])) end--;
  const out: number[] = [];
  let i = start;
  while (i < end) {
    const byte = utf8[i]!;
    if (byte >= 0x80) {
      out.push(byte);
      i++;
    } else if (isSpace(byte)) {
      out.push(0x20);
      while (i < end && isSpace(utf8[i])) i++;
    } else {
      out.push(byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);
      i++;
    }
  }
  return new Uint8Array(out);
}

function fail(message: string): never {
  throw new MyProxyWebError('CERT_PARSE_ERROR', message);
}

/** DER tag-length-value with a definite length. */
function tlv(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const octets: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
    header = [tag, 0x80 | octets.length, ...octets];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  out.set(content, header.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** DER SET OF ordering (X.690 §11.6), as OpenSSL's der_cmp: bytewise, then shorter first. */
function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The canonical encoding of a DER Name (the bytes OpenSSL hashes). */
export function canonicalNameEncoding(nameDer: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(nameDer);
  if (parsed.offset === -1 || parsed.offset !== nameDer.byteLength || !(parsed.result instanceof asn1js.Sequence)) {
    fail('the name is not a DER SEQUENCE');
  }
  const rdns: Uint8Array[] = [];
  for (const rdn of (parsed.result as asn1js.Sequence).valueBlock.value) {
    if (!(rdn instanceof asn1js.Set)) fail('a relative distinguished name is not a SET');
    const entries: Uint8Array[] = [];
    for (const entry of (rdn as asn1js.Set).valueBlock.value) {
      if (!(entry instanceof asn1js.Sequence) || entry.valueBlock.value.length !== 2) fail('an attribute is not a SEQUENCE of type and value');
      const [type, value] = (entry as asn1js.Sequence).valueBlock.value as [asn1js.AsnType, asn1js.AsnType];
      if (!(type instanceof asn1js.ObjectIdentifier)) fail('an attribute type is not an OBJECT IDENTIFIER');
      const typeDer = new Uint8Array(type.toBER(false));
      const valueDer = new Uint8Array(value.toBER(false));
      const tagClass = value.idBlock.tagClass;
      const tag = value.idBlock.tagNumber;
      let canonical: Uint8Array;
      if (tagClass === 1 && !value.idBlock.isConstructed && CANONICAL_TAGS.has(tag)) {
        const content = new Uint8Array((value as unknown as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView);
        canonical = tlv(0x0c, canonicalValueBytes(toUtf8(tag, content)));
      } else {
        canonical = valueDer;
      }
      entries.push(tlv(0x30, concat([typeDer, canonical])));
    }
    entries.sort(compareDer);
    rdns.push(tlv(0x31, concat(entries)));
  }
  return concat(rdns);
}

/** X509_NAME_hash_ex of a DER Name, as 8 lower-case hex digits (e.g. `fa4e065d`). */
export async function opensslNameHash(nameDer: Uint8Array): Promise<string> {
  const canonical = canonicalNameEncoding(nameDer);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', new Uint8Array(canonical)));
  const value = (digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24)) >>> 0;
  return value.toString(16).padStart(8, '0');
}

/** The DER of a certificate's subject Name (tbsCertificate field 6, or 5 for v1 certificates). */
export function certificateSubjectDer(certificateDer: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(certificateDer);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) fail('the certificate is not a DER SEQUENCE');
  const tbs = (parsed.result as asn1js.Sequence).valueBlock.value[0];
  if (!(tbs instanceof asn1js.Sequence)) fail('the certificate has no tbsCertificate');
  const fields = (tbs as asn1js.Sequence).valueBlock.value;
  // [0] EXPLICIT version is present in v2/v3 certificates.
  const hasVersion = fields[0]?.idBlock.tagClass === 3 && fields[0]?.idBlock.tagNumber === 0;
  const subject = fields[hasVersion ? 5 : 4];
  if (!(subject instanceof asn1js.Sequence)) fail('the certificate has no subject name');
  return new Uint8Array(subject.toBER(false));
}

/** `openssl x509 -noout -subject_hash` of a DER certificate. */
export function opensslSubjectHash(certificateDer: Uint8Array): Promise<string> {
  return opensslNameHash(certificateSubjectDer(certificateDer));
}
