/**
 * Strict decoders for the certificate extensions path validation depends on (RFC 5280 §4.2,
 * RFC 3820 §3.8). pkijs turns an undecodable extension into a default object, which would make a
 * malformed critical basicConstraints look like "absent"; these decoders reject instead.
 */
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { MyProxyWebError } from '../errors.js';

export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  anyExtendedKeyUsage: '2.5.29.37.0',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  /** RFC 3820 §3.8 id-pe-proxyCertInfo. */
  proxyCertInfo: '1.3.6.1.5.5.7.1.14',
  commonName: '2.5.4.3',
  emailAddress: '1.2.840.113549.1.9.1',
} as const;

/** RFC 5280 §4.2.1.3 KeyUsage bit numbers, counted from the most significant bit of the first byte. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

export interface RawExtension {
  critical: boolean;
  value: Uint8Array;
}

/** RFC 5280 §4.2.1.6 GeneralName, with the CHOICE tag number and its content. */
export type GeneralName =
  | { type: 'dns'; value: string }
  | { type: 'email'; value: string }
  | { type: 'ip'; value: Uint8Array }
  | { type: 'directory'; value: pkijs.RelativeDistinguishedNames; der: Uint8Array }
  | { type: 'other'; tag: number };

export interface BasicConstraintsValue {
  cA: boolean;
  pathLenConstraint: number | undefined;
}

export interface NameConstraintsValue {
  permitted: GeneralName[];
  excluded: GeneralName[];
}

export interface ProxyCertInfoValue {
  pathLenConstraint: number | undefined;
  policyLanguage: string;
}

function bad(oid: string, why: string): never {
  throw new MyProxyWebError('CERT_PARSE_ERROR', `certificate extension ${oid} is malformed: ${why}`);
}

/** Parses one complete DER value; trailing bytes are an error. */
function parseDer(oid: string, bytes: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes.slice().buffer);
  if (parsed.offset === -1 || parsed.offset !== bytes.length) bad(oid, 'not a single DER value');
  return parsed.result;
}

function children(oid: string, block: unknown, what: string): asn1js.AsnType[] {
  if (!(block instanceof asn1js.Sequence) && !(block instanceof asn1js.Constructed)) bad(oid, `expected ${what}`);
  return block.valueBlock.value as asn1js.AsnType[];
}

function smallInteger(oid: string, block: unknown): number {
  if (!(block instanceof asn1js.Integer)) bad(oid, 'expected INTEGER');
  const value = block.toBigInt();
  if (value < 0n || value > 255n) bad(oid, 'INTEGER out of range');
  return Number(value);
}

/** Every extension by OID; RFC 5280 §4.2: an extension appears at most once. */
export function extensionMap(certificate: pkijs.Certificate): Map<string, RawExtension> {
  const map = new Map<string, RawExtension>();
  for (const extension of certificate.extensions ?? []) {
    if (map.has(extension.extnID)) {
      throw new MyProxyWebError('CERT_INVALID', `certificate has extension ${extension.extnID} more than once`);
    }
    map.set(extension.extnID, { critical: extension.critical, value: new Uint8Array(extension.extnValue.valueBlock.valueHexView) });
  }
  return map;
}

/** RFC 5280 §4.2.1.9 BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }. */
export function decodeBasicConstraints(value: Uint8Array): BasicConstraintsValue {
  const oid = OID.basicConstraints;
  const items = children(oid, parseDer(oid, value), 'SEQUENCE');
  let index = 0;
  let cA = false;
  if (items[index] instanceof asn1js.Boolean) cA = (items[index++] as asn1js.Boolean).valueBlock.value;
  const pathLenConstraint = index < items.length ? smallInteger(oid, items[index++]) : undefined;
  if (index !== items.length) bad(oid, 'unexpected fields');
  return { cA, pathLenConstraint };
}

/** RFC 5280 §4.2.1.3 KeyUsage ::= BIT STRING; returns a test for bit `n` (0 = digitalSignature, MSB of the first byte). */
export function decodeKeyUsage(value: Uint8Array): (bit: number) => boolean {
  const oid = OID.keyUsage;
  const block = parseDer(oid, value);
  if (!(block instanceof asn1js.BitString)) bad(oid, 'expected BIT STRING');
  const bytes = new Uint8Array(block.valueBlock.valueHexView);
  const unused = block.valueBlock.unusedBits;
  if (unused > 7 || (bytes.length === 0 && unused !== 0)) bad(oid, 'bad unused-bits count');
  const bitCount = bytes.length * 8 - unused;
  return (bit) => bit < bitCount && ((bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) === 1;
}

/** RFC 5280 §4.2.1.12 ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId. */
export function decodeExtKeyUsage(value: Uint8Array): string[] {
  const oid = OID.extKeyUsage;
  const items = children(oid, parseDer(oid, value), 'SEQUENCE');
  if (items.length === 0) bad(oid, 'empty');
  return items.map((item) => {
    if (!(item instanceof asn1js.ObjectIdentifier)) bad(oid, 'expected OBJECT IDENTIFIER');
    return item.getValue();
  });
}

function ia5(oid: string, block: asn1js.AsnType): string {
  const bytes = new Uint8Array((block as asn1js.Primitive).valueBlock.valueHexView);
  if (bytes.some((byte) => byte > 0x7e)) bad(oid, 'non-ASCII IA5String');
  return String.fromCharCode(...bytes);
}

/** One GeneralName (RFC 5280 §4.2.1.6); `nameFrom` builds a pkijs name from a DER Name. */
function decodeGeneralName(oid: string, block: asn1js.AsnType, nameFrom: (schema: asn1js.AsnType) => pkijs.RelativeDistinguishedNames): GeneralName {
  const id = block.idBlock;
  if (id.tagClass !== 3) bad(oid, 'GeneralName without a context tag');
  switch (id.tagNumber) {
    case 1:
      return { type: 'email', value: ia5(oid, block) };
    case 2:
      return { type: 'dns', value: ia5(oid, block) };
    case 4: {
      const inner = children(oid, block, 'directoryName')[0];
      if (!inner) bad(oid, 'empty directoryName');
      return { type: 'directory', value: nameFrom(inner), der: new Uint8Array(inner.toBER(false)) };
    }
    case 7:
      return { type: 'ip', value: new Uint8Array((block as asn1js.Primitive).valueBlock.valueHexView) };
    default:
      return { type: 'other', tag: id.tagNumber };
  }
}

/** RFC 5280 §4.2.1.6 GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName (subjectAltName, issuerAltName). */
export function decodeGeneralNames(oid: string, value: Uint8Array, nameFrom: (schema: asn1js.AsnType) => pkijs.RelativeDistinguishedNames): GeneralName[] {
  return children(oid, parseDer(oid, value), 'SEQUENCE').map((item) => decodeGeneralName(oid, item, nameFrom));
}

/**
 * RFC 5280 §4.2.1.10 NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL,
 * excludedSubtrees [1] GeneralSubtrees OPTIONAL }; minimum must be 0 and maximum absent.
 */
export function decodeNameConstraints(value: Uint8Array, nameFrom: (schema: asn1js.AsnType) => pkijs.RelativeDistinguishedNames): NameConstraintsValue {
  const oid = OID.nameConstraints;
  const out: NameConstraintsValue = { permitted: [], excluded: [] };
  const items = children(oid, parseDer(oid, value), 'SEQUENCE');
  if (items.length === 0) bad(oid, 'empty');
  for (const item of items) {
    const tag = item.idBlock.tagNumber;
    if (item.idBlock.tagClass !== 3 || (tag !== 0 && tag !== 1)) bad(oid, 'unexpected field');
    const target = tag === 0 ? out.permitted : out.excluded;
    for (const subtree of children(oid, item, 'GeneralSubtrees')) {
      const [base, ...rest] = children(oid, subtree, 'GeneralSubtree');
      if (!base) bad(oid, 'empty GeneralSubtree');
      if (rest.length > 0) bad(oid, 'minimum/maximum are not allowed (RFC 5280 §4.2.1.10)');
      target.push(decodeGeneralName(oid, base, nameFrom));
    }
  }
  return out;
}

/**
 * RFC 3820 §3.8 ProxyCertInfo ::= SEQUENCE { pCPathLenConstraint INTEGER (0..MAX) OPTIONAL,
 * proxyPolicy ProxyPolicy }, ProxyPolicy ::= SEQUENCE { policyLanguage OID, policy OCTET STRING OPTIONAL }.
 */
export function decodeProxyCertInfo(value: Uint8Array): ProxyCertInfoValue {
  const oid = OID.proxyCertInfo;
  const items = children(oid, parseDer(oid, value), 'SEQUENCE');
  let index = 0;
  const pathLenConstraint = items[index] instanceof asn1js.Integer ? smallInteger(oid, items[index++]) : undefined;
  const policy = children(oid, items[index++], 'ProxyPolicy');
  if (index !== items.length) bad(oid, 'unexpected fields');
  const language = policy[0];
  if (!(language instanceof asn1js.ObjectIdentifier)) bad(oid, 'expected policyLanguage');
  if (policy.length > 2 || (policy.length === 2 && !(policy[1] instanceof asn1js.OctetString))) bad(oid, 'bad policy');
  return { pathLenConstraint, policyLanguage: language.getValue() };
}

/** The RDNs of a DER Name, each as its DER SET bytes (RFC 5280 §4.1.2.4), for prefix comparisons. */
export function rdnSets(name: pkijs.RelativeDistinguishedNames): Uint8Array[] {
  const parsed = parseDer('Name', new Uint8Array(name.toSchema().toBER(false)));
  return children('Name', parsed, 'SEQUENCE').map((rdn) => {
    if (!(rdn instanceof asn1js.Set)) bad('Name', 'expected SET');
    return new Uint8Array(rdn.toBER(false));
  });
}
