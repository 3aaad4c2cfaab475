/**
 * Distinguished names in OpenSSL's "oneline" form (`X509_NAME_oneline`), e.g.
 * `/O=myproxy-web test/CN=Alice`: the form MyProxy and the grid tools print and compare.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { utf8Encode } from '../bytes/bytes.js';

/** OpenSSL short names for the attribute types seen in grid DNs; anything else prints as a dotted OID. */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
};

export function attributeShortName(oid: string): string {
  return SHORT_NAMES[oid] ?? oid;
}

/**
 * Bytes outside printable ASCII are shown as `\xHH`, byte by byte, as `X509_NAME_oneline` does;
 * `/`, `=` and `+` inside values are not escaped (the oneline form is ambiguous by design).
 */
function escapeOneline(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    out += byte < 0x20 || byte > 0x7e ? `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

function valueBytes(value: unknown): Uint8Array {
  // UTF8String, PrintableString, IA5String, TeletexString...: print the raw content octets.
  if (value instanceof asn1js.Utf8String || value instanceof asn1js.PrintableString || value instanceof asn1js.IA5String ||
      value instanceof asn1js.TeletexString || value instanceof asn1js.VisibleString || value instanceof asn1js.NumericString ||
      value instanceof asn1js.VideotexString || value instanceof asn1js.GeneralString || value instanceof asn1js.GraphicString ||
      value instanceof asn1js.CharacterString) {
    return new Uint8Array(value.valueBlock.valueHexView);
  }
  // BMPString / UniversalString: decoded text, re-encoded as UTF-8.
  if (value instanceof asn1js.BmpString || value instanceof asn1js.UniversalString) {
    return utf8Encode(value.valueBlock.value);
  }
  // Anything else (not a string type): its DER, like OpenSSL's fallback.
  if (value instanceof asn1js.BaseBlock) return new Uint8Array(value.toBER(false));
  return utf8Encode(String(value));
}

function formatAttribute(type: string, value: unknown): string {
  return `${attributeShortName(type)}=${escapeOneline(valueBytes(value))}`;
}

/**
 * `/O=myproxy-web test/CN=Alice`. Attributes of a multi-valued RDN are joined with `+`.
 * An empty name gives the empty string.
 */
export function formatDnOneline(name: pkijs.RelativeDistinguishedNames): string {
  const grouped = groupedFromEncoding(name);
  if (grouped) return grouped;
  return name.typesAndValues.map((atv) => `/${formatAttribute(atv.type, atv.value)}`).join('');
}

/** pkijs flattens RDN sets; when the original encoding is at hand, re-read it to keep the grouping. */
function groupedFromEncoding(name: pkijs.RelativeDistinguishedNames): string | undefined {
  const raw = name.valueBeforeDecode;
  if (!raw || raw.byteLength === 0) return undefined;
  const parsed = asn1js.fromBER(raw);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) return undefined;
  let out = '';
  for (const rdn of parsed.result.valueBlock.value) {
    if (!(rdn instanceof asn1js.Set)) return undefined;
    const parts: string[] = [];
    for (const entry of rdn.valueBlock.value) {
      if (!(entry instanceof asn1js.Sequence) || entry.valueBlock.value.length !== 2) return undefined;
      const [type, value] = entry.valueBlock.value;
      if (!(type instanceof asn1js.ObjectIdentifier)) return undefined;
      parts.push(formatAttribute(type.valueBlock.toString(), value));
    }
    out += `/${parts.join('+')}`;
  }
  return out;
}
