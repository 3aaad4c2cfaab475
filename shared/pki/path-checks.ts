/**
 * Per-certificate rules of path validation (RFC 5280 §4, §6.1), each failing with its own code:
 * validity, unknown critical extensions, weak signature algorithms and keys, CA and key-usage
 * rules for issuers, key usage and extended key usage for the end entity.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MyProxyWebError, type ErrorCode } from '../errors.js';
import { DerCache } from './der-cache.js';
import {
  OID,
  KeyUsageBit,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeGeneralNames,
  decodeKeyUsage,
  decodeNameConstraints,
  decodeProxyCertInfo,
  extensionMap,
  type BasicConstraintsValue,
  type GeneralName,
  type NameConstraintsValue,
  type ProxyCertInfoValue,
  type RawExtension,
} from './path-extensions.js';
import { formatDnOneline, namesEqual, nameValues, parseCertificate } from './x509.js';

/** What the end-entity certificate must be good for (RFC 5280 §4.2.1.12). */
export type Purpose = 'serverAuth' | 'clientAuth' | 'any';

/** RSA moduli below this many bits are refused (NIST SP 800-131A; IGTF requires 2048). */
export const MIN_RSA_BITS = 2048;

/** Extensions understood well enough to accept when critical (RFC 5280 §4.2); proxy paths add ProxyCertInfo. */
const KNOWN_CRITICAL: readonly string[] = [
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.nameConstraints,
  OID.certificatePolicies,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
];

/** Signature algorithms broken for certificate signing: MD2, MD4, MD5 and SHA-1 in every combination. */
const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.3': 'md4WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.3.14.3.2.29': 'sha1WithRSASignature',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
};
const WEAK_HASHES: Record<string, string> = { '1.3.14.3.2.26': 'SHA-1', '1.2.840.113549.2.5': 'MD5', '1.2.840.113549.2.2': 'MD2' };
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const DSA = '1.2.840.10040.4.1';
const ACCEPTED_CURVES: Record<string, string> = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521' };

function fail(code: ErrorCode, message: string): never {
  throw new MyProxyWebError(code, message);
}

function nameFrom(schema: asn1js.AsnType): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ schema });
}

/** Parsed path certificates by content (der-cache.ts): a server's chain is parsed once per process. */
const parsedPathCerts = new DerCache<PathCert>(64);

/** A parsed certificate with its extensions decoded once, strictly. */
export class PathCert {
  readonly label: string;
  readonly selfIssued: boolean;
  private readonly extensions: Map<string, RawExtension>;
  private readonly memo = new Map<string, unknown>();

  private constructor(
    readonly der: Uint8Array,
    readonly cert: pkijs.Certificate,
  ) {
    this.extensions = extensionMap(cert);
    this.label = `"${formatDnOneline(cert.subject)}"`;
    this.selfIssued = namesEqual(cert.subject, cert.issuer);
  }

  /**
   * Throws CERT_PARSE_ERROR for malformed DER, CERT_INVALID for a repeated extension. The same bytes
   * give the same (immutable) PathCert: its `der` is the cache's private copy.
   */
  static parse(der: Uint8Array): PathCert {
    return parsedPathCerts.get(der, (copy) => new PathCert(copy, parseCertificate(copy)));
  }

  extension(oid: string): RawExtension | undefined {
    return this.extensions.get(oid);
  }

  get extensionOids(): string[] {
    return [...this.extensions.keys()];
  }

  /** `compute()` once per certificate under `key` (the certificate is immutable, so are derived facts). */
  memoized<T>(key: string, compute: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, compute());
    return this.memo.get(key) as T;
  }

  private decoded<T>(oid: string, decode: (value: Uint8Array) => T): T | undefined {
    if (!this.memo.has(oid)) {
      const raw = this.extensions.get(oid);
      this.memo.set(oid, raw ? decode(raw.value) : undefined);
    }
    return this.memo.get(oid) as T | undefined;
  }

  get basicConstraints(): BasicConstraintsValue | undefined {
    return this.decoded(OID.basicConstraints, decodeBasicConstraints);
  }

  get keyUsage(): ((bit: number) => boolean) | undefined {
    return this.decoded(OID.keyUsage, decodeKeyUsage);
  }

  get extKeyUsage(): string[] | undefined {
    return this.decoded(OID.extKeyUsage, decodeExtKeyUsage);
  }

  get nameConstraints(): NameConstraintsValue | undefined {
    return this.decoded(OID.nameConstraints, (value) => decodeNameConstraints(value, nameFrom));
  }

  get altNames(): GeneralName[] {
    return this.decoded(OID.subjectAltName, (value) => decodeGeneralNames(OID.subjectAltName, value, nameFrom)) ?? [];
  }

  get proxyCertInfo(): ProxyCertInfoValue | undefined {
    return this.decoded(OID.proxyCertInfo, decodeProxyCertInfo);
  }

  /** RFC 3820: a proxy certificate is one that carries ProxyCertInfo. */
  get isProxy(): boolean {
    return this.extensions.has(OID.proxyCertInfo);
  }

  get commonNames(): string[] {
    return nameValues(this.cert.subject, OID.commonName);
  }
}

/** RFC 5280 §4.1.2.5 validity, inclusive at both ends. */
export function checkValidity(node: PathCert, now: Date): void {
  const notBefore = node.cert.notBefore.value;
  const notAfter = node.cert.notAfter.value;
  if (now < notBefore) fail('CERT_NOT_YET_VALID', `certificate ${node.label} is not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) fail('CERT_EXPIRED', `certificate ${node.label} expired on ${notAfter.toISOString()}`);
}

/** RFC 5280 §4.2: a critical extension the validator does not process makes the certificate unusable. */
export function checkCriticalExtensions(node: PathCert, alsoKnown: readonly string[] = []): void {
  for (const oid of node.extensionOids) {
    if (node.extension(oid)!.critical && !KNOWN_CRITICAL.includes(oid) && !alsoKnown.includes(oid)) {
      fail('CERT_UNKNOWN_CRITICAL_EXTENSION', `certificate ${node.label} has an unsupported critical extension ${oid}`);
    }
  }
}

/** The hash of RSASSA-PSS parameters (RFC 4055 §3.1: absent means SHA-1). */
function pssHash(params: unknown): string {
  if (!(params instanceof asn1js.Sequence)) return '1.3.14.3.2.26';
  try {
    return new pkijs.RSASSAPSSParams({ schema: params }).hashAlgorithm.algorithmId;
  } catch {
    return 'malformed';
  }
}

/** The certificate's own signature: the two algorithm fields agree (RFC 5280 §4.1.1.2) and are not MD5/SHA-1 based. */
export function checkSignatureAlgorithm(node: PathCert): void {
  const outer = node.cert.signatureAlgorithm;
  const inner = node.cert.signature;
  const agree = node.memoized('signatureAlgorithmsAgree', () => {
    const outerDer = new Uint8Array(outer.toSchema().toBER(false));
    const innerDer = new Uint8Array(inner.toSchema().toBER(false));
    return outerDer.length === innerDer.length && outerDer.every((byte, i) => byte === innerDer[i]);
  });
  if (!agree) {
    fail('CERT_INVALID', `certificate ${node.label} has different signature algorithms inside and outside the signed part`);
  }
  const weak = WEAK_SIGNATURES[outer.algorithmId];
  if (weak) fail('CERT_WEAK_SIGNATURE', `certificate ${node.label} is signed with ${weak}, which is no longer accepted`);
  if (outer.algorithmId === RSASSA_PSS) {
    const hash = pssHash(outer.algorithmParams);
    if (hash === 'malformed') fail('CERT_INVALID', `certificate ${node.label} has malformed RSASSA-PSS parameters`);
    if (WEAK_HASHES[hash]) fail('CERT_WEAK_SIGNATURE', `certificate ${node.label} is signed with RSASSA-PSS over ${WEAK_HASHES[hash]}`);
  }
}

/** Whether the signature algorithm is one checkSignatureAlgorithm refuses (the path builder then skips verifying it). */
export function hasWeakSignatureAlgorithm(node: PathCert): boolean {
  const id = node.cert.signatureAlgorithm.algorithmId;
  return WEAK_SIGNATURES[id] !== undefined || (id === RSASSA_PSS && WEAK_HASHES[pssHash(node.cert.signatureAlgorithm.algorithmParams)] !== undefined);
}

/** Bit length of the modulus of an RSAPublicKey (RFC 8017 §A.1.1), or undefined when it does not decode. */
function rsaModulusBits(spki: pkijs.PublicKeyInfo): number | undefined {
  const parsed = asn1js.fromBER(spki.subjectPublicKey.valueBlock.valueHexView.slice().buffer);
  const items = parsed.result instanceof asn1js.Sequence ? parsed.result.valueBlock.value : [];
  const modulus = items[0];
  if (parsed.offset === -1 || items.length !== 2 || !(modulus instanceof asn1js.Integer)) return undefined;
  const bytes = modulus.valueBlock.valueHexView;
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start) * 8 - Math.clz32(bytes[start]!) + 24;
}

/** RSA keys of at least MIN_RSA_BITS, EC keys on P-256/P-384/P-521; DSA is refused. */
export function checkPublicKey(node: PathCert): void {
  const spki = node.cert.subjectPublicKeyInfo;
  const algorithm = spki.algorithm.algorithmId;
  if (algorithm === RSA_ENCRYPTION || algorithm === RSASSA_PSS) {
    const bits = node.memoized('rsaModulusBits', () => rsaModulusBits(spki));
    if (bits === undefined) fail('CERT_PARSE_ERROR', `certificate ${node.label} has a malformed RSA public key`);
    if (bits < MIN_RSA_BITS) fail('CERT_WEAK_KEY', `certificate ${node.label} has a ${bits}-bit RSA key; at least ${MIN_RSA_BITS} bits are required`);
  } else if (algorithm === EC_PUBLIC_KEY) {
    const params: unknown = spki.algorithm.algorithmParams;
    const curve = params instanceof asn1js.ObjectIdentifier ? params.getValue() : undefined;
    if (curve === undefined || !ACCEPTED_CURVES[curve]) fail('CERT_WEAK_KEY', `certificate ${node.label} has an EC key on an unsupported curve ${curve ?? '(explicit parameters)'}`);
  } else if (algorithm === DSA) {
    fail('CERT_WEAK_KEY', `certificate ${node.label} has a DSA key, which is no longer accepted`);
  }
}

/**
 * RFC 5280 §6.1.4 (k), (l), (n) for a certificate that issued another: a CA (basicConstraints cA;
 * a v1 trust anchor without extensions is tolerated like OpenSSL), keyCertSign when keyUsage is
 * present, and `below` (non-self-issued intermediates under it) within pathLenConstraint.
 */
export function checkIssuer(node: PathCert, below: number, isTrustAnchor: boolean): void {
  const constraints = node.basicConstraints;
  const v1Anchor = isTrustAnchor && node.cert.version === 0 && !node.cert.extensions;
  if (!v1Anchor && !constraints?.cA) fail('CERT_INVALID', `issuer ${node.label} is not a CA (basicConstraints cA is not set)`);
  const usage = node.keyUsage;
  if (usage && !usage(KeyUsageBit.keyCertSign)) fail('CERT_BAD_KEY_USAGE', `issuer ${node.label} lacks the keyCertSign key usage`);
  const pathLen = constraints?.pathLenConstraint;
  if (pathLen !== undefined && below > pathLen) {
    fail('CERT_PATH_LENGTH', `issuer ${node.label} allows ${pathLen} intermediate CA(s) below it, the chain has ${below}`);
  }
}

function purposeName(purpose: Purpose): string {
  return purpose === 'serverAuth' ? 'TLS server authentication' : purpose === 'clientAuth' ? 'TLS client authentication' : 'any purpose';
}

/** An extendedKeyUsage, when present, must allow `purpose` or anyExtendedKeyUsage (RFC 5280 §4.2.1.12). */
export function checkExtendedKeyUsage(node: PathCert, purpose: Purpose, role: string): void {
  const purposes = node.extKeyUsage;
  if (!purposes || purpose === 'any') return;
  const wanted = purpose === 'serverAuth' ? OID.serverAuth : OID.clientAuth;
  if (!purposes.includes(wanted) && !purposes.includes(OID.anyExtendedKeyUsage)) {
    fail('CERT_BAD_EKU', `${role} ${node.label} is not valid for ${purposeName(purpose)} (extendedKeyUsage ${purposes.join(', ')})`);
  }
}

/** The certificate whose key signs the handshake: digitalSignature when keyUsage is present, and the purpose. */
export function checkEndEntity(node: PathCert, purpose: Purpose): void {
  const usage = node.keyUsage;
  if (usage && !usage(KeyUsageBit.digitalSignature)) fail('CERT_BAD_KEY_USAGE', `certificate ${node.label} lacks the digitalSignature key usage`);
  checkExtendedKeyUsage(node, purpose, 'certificate');
}

/** Whether `child` names `issuer` as its issuer (byte-exact or RFC 5280 §7.1 equal). */
export function namesIssuer(child: PathCert, issuer: PathCert): boolean {
  return namesEqual(child.cert.issuer, issuer.cert.subject);
}
