/**
 * Certification path building and validation (RFC 5280 §6, RFC 4158 in spirit): from an end-entity
 * certificate through the presented certificates (any order, extras allowed) to a trust root.
 * Every candidate path is tried, depth first, until one passes all checks; the search is bounded
 * in depth and in signature verifications.
 */
import { bytesEqual } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { verifyCertificateSignature } from './cert-signature.js';
import { ensurePkijsEngine } from './engine.js';
import {
  PathCert,
  checkCriticalExtensions,
  checkEndEntity,
  checkExtendedKeyUsage,
  checkIssuer,
  checkPublicKey,
  checkSignatureAlgorithm,
  checkValidity,
  hasWeakSignatureAlgorithm,
  namesIssuer,
  type Purpose,
} from './path-checks.js';
import { OID } from './path-extensions.js';
import { checkNameConstraints, commonNameHost } from './path-names.js';
import { attributeValue, formatDnOneline } from './x509.js';

/** Longest path tried: end entity + intermediates + root. */
export const MAX_PATH_LENGTH = 10;
/** Signature verifications one validation may spend on path building (Go's crypto/x509 uses a similar budget). */
export const MAX_SIGNATURE_CHECKS = 100;

interface SearchState {
  checks: number;
  budgetExceeded: boolean;
  badSignature: boolean;
  /** Last certificates of paths that found no issuer at all. */
  deadEnds: PathCert[];
  /** Signature results by child, then issuer: each pair is verified once. */
  verified: Map<PathCert, Map<PathCert, boolean>>;
}

const parsedRoots = new WeakMap<Uint8Array, PathCert | null>();

/** Parses trust roots once per DER array; an unparsable root anchors nothing and is skipped. */
export function parseTrustRoots(trustRoots: readonly Uint8Array[]): PathCert[] {
  const out: PathCert[] = [];
  for (const der of trustRoots) {
    let parsed = parsedRoots.get(der);
    if (parsed === undefined) {
      try {
        parsed = PathCert.parse(der);
      } catch {
        parsed = null;
      }
      parsedRoots.set(der, parsed);
    }
    if (parsed) out.push(parsed);
  }
  return out;
}

async function signedBy(child: PathCert, issuer: PathCert, state: SearchState): Promise<boolean> {
  // A weak algorithm is not worth a verification: any path through it is refused with CERT_WEAK_SIGNATURE.
  if (hasWeakSignatureAlgorithm(child)) return true;
  let byIssuer = state.verified.get(child);
  if (!byIssuer) state.verified.set(child, (byIssuer = new Map()));
  const known = byIssuer.get(issuer);
  if (known !== undefined) return known;
  if (state.checks >= MAX_SIGNATURE_CHECKS) {
    state.budgetExceeded = true;
    return false;
  }
  state.checks++;
  const ok = await verifyCertificateSignature(child, issuer);
  byIssuer.set(issuer, ok);
  return ok;
}

function isRoot(node: PathCert, roots: readonly PathCert[]): boolean {
  return roots.some((root) => bytesEqual(root.der, node.der));
}

/** Every path from `path`'s last certificate to a trust root, depth first. */
async function* buildPaths(path: PathCert[], presented: readonly PathCert[], roots: readonly PathCert[], state: SearchState): AsyncGenerator<PathCert[]> {
  const current = path[path.length - 1]!;
  // The current certificate is itself a trust root (e.g. the CA the server sends along).
  if (path.length > 1 && isRoot(current, roots)) {
    yield path;
    return;
  }
  if (path.length >= MAX_PATH_LENGTH) return;
  let found = false;
  for (const root of roots) {
    if (bytesEqual(root.der, current.der) || !namesIssuer(current, root)) continue;
    found = true;
    if (await signedBy(current, root, state)) yield [...path, root];
    else state.badSignature = true;
  }
  for (const candidate of presented) {
    if (path.some((node) => bytesEqual(node.der, candidate.der)) || !namesIssuer(current, candidate)) continue;
    found = true;
    if (await signedBy(current, candidate, state)) yield* buildPaths([...path, candidate], presented, roots, state);
    else state.badSignature = true;
  }
  if (!found) state.deadEnds.push(current);
}

/** RFC 5280 §6.1.3 (b): the constraints of each CA apply to every later certificate that is not self-issued (the end entity always). */
function checkPathNameConstraints(path: readonly PathCert[]): void {
  for (let i = 1; i < path.length; i++) {
    const constraints = path[i]!.nameConstraints;
    if (!constraints) continue;
    for (let j = 0; j < i; j++) {
      const node = path[j]!;
      if (j > 0 && node.selfIssued) continue;
      const altNames = node.altNames;
      checkNameConstraints(
        {
          subject: node.cert.subject,
          altNames,
          commonNameHost: j === 0 ? commonNameHost(node.cert.subject, altNames, OID.commonName) : undefined,
          emailAttributes: node.cert.subject.typesAndValues.filter((tv) => tv.type === OID.emailAddress).map((tv) => attributeValue(tv.value)),
        },
        constraints,
        node.label,
        path[i]!.label,
      );
    }
  }
}

/**
 * Checks one candidate path, end entity first, ending with the trust anchor. Certificate-level
 * rules run first for every certificate, then the rules between issuers and what they issued.
 */
export function checkPath(path: readonly PathCert[], now: Date, purpose: Purpose): void {
  path.forEach((node, i) => {
    const isAnchor = i === path.length - 1 && i > 0;
    if (i > 0 && node.isProxy) throw new MyProxyWebError('CERT_BAD_PROXY', `proxy certificate ${node.label} cannot issue certificates for a CA path`);
    checkCriticalExtensions(node);
    checkValidity(node, now);
    // The trust anchor's self-signature is never relied on (RFC 5280 §6.1.1 (d)).
    if (!isAnchor) checkSignatureAlgorithm(node);
    checkPublicKey(node);
  });
  checkEndEntity(path[0]!, purpose);
  let below = 0;
  for (let i = 1; i < path.length; i++) {
    const isAnchor = i === path.length - 1;
    checkIssuer(path[i]!, below, isAnchor);
    if (!isAnchor) checkExtendedKeyUsage(path[i]!, purpose, 'intermediate CA');
    if (!path[i]!.selfIssued) below++;
  }
  checkPathNameConstraints(path);
}

/**
 * Validates `endEntity` against `roots` using `presented` as candidate intermediates, at `now`,
 * for `purpose`; returns the accepted path (end entity first, trust anchor last).
 * Failures: CERT_SELF_SIGNED, CERT_INCOMPLETE_CHAIN, CERT_UNTRUSTED, CERT_BAD_SIGNATURE, or the
 * first rule broken by a candidate path (see path-checks.ts and path-names.ts).
 */
export async function validateEndEntityPath(endEntity: PathCert, presented: readonly PathCert[], roots: readonly PathCert[], now: Date, purpose: Purpose): Promise<PathCert[]> {
  ensurePkijsEngine();
  // An end entity that is itself a trust root is trusted directly (a pinned self-signed server certificate).
  if (isRoot(endEntity, roots)) {
    checkCriticalExtensions(endEntity);
    checkValidity(endEntity, now);
    checkPublicKey(endEntity);
    checkEndEntity(endEntity, purpose);
    return [endEntity];
  }
  const state: SearchState = { checks: 0, budgetExceeded: false, badSignature: false, deadEnds: [], verified: new Map() };
  let firstError: unknown;
  for await (const path of buildPaths([endEntity], presented, roots, state)) {
    try {
      checkPath(path, now, purpose);
      return path;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError !== undefined) throw firstError;
  if (state.badSignature) throw new MyProxyWebError('CERT_BAD_SIGNATURE', `a signature in the chain of ${endEntity.label} does not verify`);
  if (state.budgetExceeded) throw new MyProxyWebError('CERT_UNTRUSTED', `no trusted path for ${endEntity.label} within ${MAX_SIGNATURE_CHECKS} signature checks`);
  if (state.deadEnds.length === 1 && state.deadEnds[0] === endEntity && endEntity.selfIssued) {
    throw new MyProxyWebError('CERT_SELF_SIGNED', `certificate ${endEntity.label} is self-signed and not among the trusted certificates`);
  }
  const untrustedRoot = state.deadEnds.find((node) => node.selfIssued);
  if (untrustedRoot) {
    throw new MyProxyWebError('CERT_UNTRUSTED', `certificate ${endEntity.label} chains to ${untrustedRoot.label}, which is not a trusted CA`);
  }
  const gap = state.deadEnds.find((node) => node !== endEntity);
  if (gap) {
    throw new MyProxyWebError(
      'CERT_INCOMPLETE_CHAIN',
      `the chain of ${endEntity.label} stops at ${gap.label}: its issuer "${formatDnOneline(gap.cert.issuer)}" was neither sent by the server nor trusted (an intermediate CA certificate is missing)`,
    );
  }
  throw new MyProxyWebError('CERT_UNTRUSTED', `certificate ${endEntity.label} (issuer "${formatDnOneline(endEntity.cert.issuer)}") does not chain to a trusted CA`);
}
