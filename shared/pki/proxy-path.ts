/**
 * RFC 3820 proxy certificate paths: [proxy_n, ..., proxy_1], end-entity certificate (EEC), CA
 * certificates. Each proxy is issued by the certificate after it (an EEC or another proxy) and must
 * keep the shape RFC 3820 §3 gives it; the EEC path is then validated like any other (path-build.ts).
 * Reused by the credential checks of MyProxy operations (issue 4) and by the server chain check.
 */
import { bytesEqual } from '../bytes/bytes.js';
import { MyProxyWebError, type ErrorCode } from '../errors.js';
import { verifyCertificateSignature } from './cert-signature.js';
import { ensurePkijsEngine } from './engine.js';
import { parseTrustRoots, validateEndEntityPath } from './path-build.js';
import {
  PathCert,
  checkCriticalExtensions,
  checkEndEntity,
  checkPublicKey,
  checkSignatureAlgorithm,
  checkValidity,
  namesIssuer,
  type Purpose,
} from './path-checks.js';
import { KeyUsageBit, OID, rdnSets } from './path-extensions.js';
import { checkNameConstraints } from './path-names.js';
import { formatDnOneline } from './x509.js';

/** RFC 3820 §3.8 policy languages, and the Globus limited-proxy language. */
export const ProxyPolicyLanguage = {
  inheritAll: '1.3.6.1.5.5.7.21.1',
  independent: '1.3.6.1.5.5.7.21.2',
  limited: '1.3.6.1.4.1.3536.1.1.1.9',
} as const;
const KNOWN_LANGUAGES: readonly string[] = Object.values(ProxyPolicyLanguage);

export interface ProxyPathResult {
  /** Number of proxy certificates in front of the end-entity certificate (0: a plain EEC path). */
  proxyCount: number;
  /** The end-entity certificate (the identity the proxies speak for), DER. */
  endEntity: Uint8Array;
  /** Its subject in OpenSSL one-line form, e.g. /O=Grid/CN=Alice. */
  identity: string;
  /** A limited proxy (Globus) is somewhere in the chain: its rights are restricted. */
  limited: boolean;
  /** The accepted path as DER, proxies first, trust anchor last. */
  path: Uint8Array[];
}

function fail(code: ErrorCode, message: string): never {
  throw new MyProxyWebError(code, message);
}

/** RFC 3820 §3.4: subject = the issuer's subject plus exactly one RDN holding a single commonName. */
function checkProxySubject(proxy: PathCert, issuer: PathCert): void {
  const subject = rdnSets(proxy.cert.subject);
  const base = rdnSets(issuer.cert.subject);
  const extra = proxy.cert.subject.typesAndValues.slice(issuer.cert.subject.typesAndValues.length);
  const prefixMatches = subject.length === base.length + 1 && base.every((rdn, i) => bytesEqual(rdn, subject[i]!));
  if (!prefixMatches || extra.length !== 1 || extra[0]!.type !== OID.commonName) {
    fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} must have its issuer's subject ${issuer.label} plus one CN`);
  }
}

/**
 * Checks one proxy certificate against its issuer (an EEC or a proxy), without its signature:
 * RFC 3820 §3.1-§3.8. `below` is how many proxies it issued further down the path.
 */
export function checkProxyCertificate(proxy: PathCert, issuer: PathCert, below: number, now: Date): { limited: boolean } {
  if (!namesIssuer(proxy, issuer)) fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} was not issued by ${issuer.label}`);
  checkCriticalExtensions(proxy, [OID.proxyCertInfo]);
  checkValidity(proxy, now);
  checkSignatureAlgorithm(proxy);
  checkPublicKey(proxy);
  // §3.8: ProxyCertInfo is what makes it a proxy, and it MUST be critical.
  if (!proxy.extension(OID.proxyCertInfo)!.critical) fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} has a non-critical ProxyCertInfo`);
  const info = proxy.proxyCertInfo!;
  if (!KNOWN_LANGUAGES.includes(info.policyLanguage)) {
    fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} uses the unknown policy language ${info.policyLanguage}`);
  }
  checkProxySubject(proxy, issuer);
  // §3.5, §3.2: no subjectAltName and no issuerAltName.
  if (proxy.extension(OID.subjectAltName) || proxy.extension(OID.issuerAltName)) {
    fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} must not carry subjectAltName or issuerAltName`);
  }
  // §3.7: never a CA.
  if (proxy.basicConstraints?.cA) fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} must not be a CA`);
  // §3.6: keyCertSign and nonRepudiation must not be asserted.
  const usage = proxy.keyUsage;
  if (usage && (usage(KeyUsageBit.keyCertSign) || usage(KeyUsageBit.nonRepudiation))) {
    fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} asserts keyCertSign or nonRepudiation`);
  }
  // §3.1: an issuer with keyUsage needs digitalSignature to sign proxies.
  const issuerUsage = issuer.keyUsage;
  if (issuerUsage && !issuerUsage(KeyUsageBit.digitalSignature)) {
    fail('CERT_BAD_KEY_USAGE', `${issuer.label} lacks the digitalSignature key usage needed to issue proxy certificates`);
  }
  // §3.8.1 pCPathLenConstraint: the number of proxies that may follow this one.
  if (info.pathLenConstraint !== undefined && below > info.pathLenConstraint) {
    fail('CERT_PATH_LENGTH', `proxy certificate ${proxy.label} allows ${info.pathLenConstraint} proxies below it, the chain has ${below}`);
  }
  const limited = info.policyLanguage === ProxyPolicyLanguage.limited;
  if (issuer.isProxy && issuer.proxyCertInfo!.policyLanguage === ProxyPolicyLanguage.limited && !limited) {
    fail('CERT_BAD_PROXY', `proxy certificate ${proxy.label} is not limited, but its issuer ${issuer.label} is a limited proxy`);
  }
  return { limited };
}

async function verifySignature(child: PathCert, issuer: PathCert): Promise<void> {
  const ok = await verifyCertificateSignature(child, issuer);
  if (!ok) fail('CERT_BAD_SIGNATURE', `the signature of proxy certificate ${child.label} by ${issuer.label} does not verify`);
}

/** The leading proxies of `chain` and the index of the EEC that issued the last of them. */
function splitProxies(chain: readonly PathCert[]): { proxies: PathCert[]; eecIndex: number } {
  let eecIndex = 0;
  while (eecIndex < chain.length && chain[eecIndex]!.isProxy) eecIndex++;
  if (eecIndex === chain.length) fail('CERT_BAD_PROXY', 'the chain holds proxy certificates but no end-entity certificate that issued them');
  return { proxies: chain.slice(0, eecIndex), eecIndex };
}

/**
 * Validates a chain whose first certificates may be RFC 3820 proxies (leaf first, the EEC next,
 * then any CA certificates in any order) against `trustRoots` at `now`. `purpose` applies to the
 * EEC and the leaf; default 'any'. Failures are MyProxyWebError with the CERT_* codes of
 * docs/errors.md; proxy shape errors are CERT_BAD_PROXY.
 */
export async function validateProxyChain(chainDer: readonly Uint8Array[], trustRoots: readonly Uint8Array[], now: Date, options: { purpose?: Purpose } = {}): Promise<ProxyPathResult> {
  ensurePkijsEngine();
  const purpose = options.purpose ?? 'any';
  if (chainDer.length === 0) fail('CERT_INVALID', 'no certificate to validate');
  const chain = chainDer.map((der) => PathCert.parse(der));
  const roots = parseTrustRoots(trustRoots);
  const { proxies, eecIndex } = splitProxies(chain);
  const eec = chain[eecIndex]!;
  let limited = false;
  if (proxies.length > 0) {
    // RFC 3820 §3.1: the issuer of the first proxy is an end entity with a non-empty subject.
    if (eec.basicConstraints?.cA) fail('CERT_BAD_PROXY', `${eec.label} is a CA and cannot issue proxy certificates`);
    if (eec.cert.subject.typesAndValues.length === 0) fail('CERT_BAD_PROXY', 'the issuer of a proxy certificate must have a non-empty subject');
    for (let i = proxies.length - 1; i >= 0; i--) {
      const issuer = chain[i + 1]!;
      const result = checkProxyCertificate(proxies[i]!, issuer, i, now);
      limited ||= result.limited;
      await verifySignature(proxies[i]!, issuer);
    }
    checkEndEntity(proxies[0]!, purpose);
  }
  const path = await validateEndEntityPath(eec, chain.slice(eecIndex + 1), roots, now, purpose);
  // The name constraints of the CAs cover the proxies' subjects too (they extend the EEC's).
  for (const ca of path.slice(1)) {
    const constraints = ca.nameConstraints;
    if (!constraints) continue;
    for (const proxy of proxies) {
      checkNameConstraints({ subject: proxy.cert.subject, altNames: [], commonNameHost: undefined, emailAttributes: [] }, constraints, proxy.label, ca.label);
    }
  }
  return {
    proxyCount: proxies.length,
    // Copies: a PathCert's bytes are shared through the parse cache (der-cache.ts).
    endEntity: eec.der.slice(),
    identity: formatDnOneline(eec.cert.subject),
    limited,
    path: [...proxies, ...path].map((node) => node.der.slice()),
  };
}
