/**
 * Server chain validation (RFC 5280 §6, simplified for TLS server chains):
 * build paths from the leaf through the presented certificates (any order, extras allowed)
 * to a trust root, then check dates, CA constraints, key usage and critical extensions.
 */
import * as pkijs from 'pkijs';
import { bytesEqual } from '../bytes/bytes.js';
import { MyProxyWebError, type ErrorCode } from '../errors.js';
import { ensurePkijsEngine } from './engine.js';
import { findExtension, formatDnOneline, namesEqual, parseCertificate } from './x509.js';

const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  certificatePolicies: '2.5.29.32',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/** Extensions we understand well enough to accept when marked critical (RFC 5280 §4.2). */
const KNOWN_CRITICAL: readonly string[] = [
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.certificatePolicies,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
];

/** Longest path we try to build (leaf + intermediates + root). */
const MAX_PATH_LENGTH = 10;

interface Node {
  der: Uint8Array;
  cert: pkijs.Certificate;
}

function fail(code: ErrorCode, message: string): never {
  throw new MyProxyWebError(code, message);
}

function describe(node: Node): string {
  return `"${formatDnOneline(node.cert.subject)}"`;
}

async function signedBy(child: Node, issuer: Node): Promise<boolean> {
  if (!namesEqual(child.cert.issuer, issuer.cert.subject)) return false;
  try {
    return await child.cert.verify(issuer.cert);
  } catch {
    return false;
  }
}

/** RFC 5280 §4.2.1.3 KeyUsage bit `bit` (0 = digitalSignature, 5 = keyCertSign). */
function hasKeyUsage(cert: pkijs.Certificate, bit: number): boolean | undefined {
  const extension = findExtension(cert, OID.keyUsage);
  if (!extension) return undefined;
  const bits = new Uint8Array((extension.parsedValue as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView);
  return ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0;
}

function checkCommon(node: Node, now: Date): void {
  const notBefore = node.cert.notBefore.value;
  const notAfter = node.cert.notAfter.value;
  if (now < notBefore) fail('CERT_NOT_YET_VALID', `certificate ${describe(node)} is not valid before ${notBefore.toISOString()}`);
  if (now > notAfter) fail('CERT_EXPIRED', `certificate ${describe(node)} expired on ${notAfter.toISOString()}`);
  for (const extension of node.cert.extensions ?? []) {
    if (extension.critical && !KNOWN_CRITICAL.includes(extension.extnID)) {
      fail('CERT_INVALID', `certificate ${describe(node)} has an unsupported critical extension ${extension.extnID}`);
    }
  }
}

/** `below` is how many non-leaf certificates sit between this issuer and the leaf (RFC 5280 §4.2.1.9). */
function checkIssuer(node: Node, below: number, isTrustAnchor: boolean): void {
  const extension = findExtension(node.cert, OID.basicConstraints);
  const constraints = extension?.parsedValue as pkijs.BasicConstraints | undefined;
  // A version-1 trust anchor has no extensions at all; like OpenSSL we accept it as a root.
  const v1Anchor = isTrustAnchor && node.cert.version === 0 && !node.cert.extensions;
  if (!v1Anchor && !constraints?.cA) fail('CERT_INVALID', `issuer ${describe(node)} is not a CA (basicConstraints cA is not set)`);
  if (hasKeyUsage(node.cert, 5) === false) fail('CERT_INVALID', `issuer ${describe(node)} lacks the keyCertSign key usage`);
  const pathLen = constraints?.pathLenConstraint;
  if (typeof pathLen === 'number' && below > pathLen) {
    fail('CERT_INVALID', `issuer ${describe(node)} allows ${pathLen} intermediate CAs below it, the chain has ${below}`);
  }
}

function checkLeaf(node: Node): void {
  if (hasKeyUsage(node.cert, 0) === false) fail('CERT_INVALID', `server certificate ${describe(node)} lacks the digitalSignature key usage`);
  const eku = findExtension(node.cert, OID.extKeyUsage)?.parsedValue as pkijs.ExtKeyUsage | undefined;
  if (eku && !eku.keyPurposes.some((p) => p === OID.serverAuth || p === OID.anyExtendedKeyUsage)) {
    fail('CERT_INVALID', `server certificate ${describe(node)} is not valid for TLS server authentication (extendedKeyUsage)`);
  }
}

/** Checks one candidate path, leaf first, ending with the trust anchor. */
function checkPath(path: readonly Node[], now: Date): void {
  path.forEach((node) => checkCommon(node, now));
  checkLeaf(path[0]!);
  for (let i = 1; i < path.length; i++) checkIssuer(path[i]!, i - 1, i === path.length - 1);
}

/** Every path from `path`'s last node to a root, depth first (presented issuers before roots is irrelevant: all are tried). */
async function* buildPaths(path: Node[], presented: readonly Node[], roots: readonly Node[], state: { badSignature: boolean }): AsyncGenerator<Node[]> {
  const current = path[path.length - 1]!;
  // The current certificate is itself a trust root (e.g. the CA the server sends along).
  if (path.length > 1 && roots.some((root) => bytesEqual(root.der, current.der))) {
    yield path;
    return;
  }
  if (path.length >= MAX_PATH_LENGTH) return;
  for (const root of roots) {
    if (bytesEqual(root.der, current.der)) continue;
    if (await signedBy(current, root)) yield [...path, root];
    else if (namesEqual(current.cert.issuer, root.cert.subject)) state.badSignature = true;
  }
  for (const candidate of presented) {
    if (path.some((node) => bytesEqual(node.der, candidate.der))) continue;
    if (!namesEqual(current.cert.issuer, candidate.cert.subject)) continue;
    if (await signedBy(current, candidate)) yield* buildPaths([...path, candidate], presented, roots, state);
    else state.badSignature = true;
  }
}

/**
 * Validates the server's chain against `trustRoots` at time `now`.
 * Throws MyProxyWebError: CERT_PARSE_ERROR, CERT_UNTRUSTED, CERT_BAD_SIGNATURE, CERT_EXPIRED,
 * CERT_NOT_YET_VALID or CERT_INVALID.
 */
export async function validateServerChain(chainDer: readonly Uint8Array[], trustRoots: readonly Uint8Array[], now: Date): Promise<void> {
  ensurePkijsEngine();
  if (chainDer.length === 0) fail('CERT_INVALID', 'server sent no certificate');
  const presented: Node[] = chainDer.map((der) => ({ der, cert: parseCertificate(der) }));
  const roots: Node[] = [];
  for (const der of trustRoots) {
    try {
      roots.push({ der, cert: parseCertificate(der) });
    } catch {
      // An unparsable trust root cannot anchor anything; skip it rather than fail every connection.
    }
  }
  const leaf = presented[0]!;
  // A leaf that is itself a trust root is trusted directly (pinned self-signed server certificate).
  if (roots.some((root) => bytesEqual(root.der, leaf.der))) {
    checkCommon(leaf, now);
    checkLeaf(leaf);
    return;
  }
  const state = { badSignature: false };
  let firstError: unknown;
  for await (const path of buildPaths([leaf], presented.slice(1), roots, state)) {
    try {
      checkPath(path, now);
      return;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
  if (state.badSignature) fail('CERT_BAD_SIGNATURE', `a signature in the chain of ${describe(leaf)} does not verify`);
  fail('CERT_UNTRUSTED', `server certificate ${describe(leaf)} (issuer "${formatDnOneline(leaf.cert.issuer)}") does not chain to a trusted CA`);
}
