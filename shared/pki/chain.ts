/**
 * Server chain validation (RFC 5280 §6 for TLS server chains): paths are built from the leaf
 * through the presented certificates (any order, extras allowed, alternatives tried, bounded) to a
 * trust root, then checked: validity dates, basicConstraints and keyCertSign on issuers,
 * pathLenConstraint, unknown critical extensions, name constraints, MD5/SHA-1 signatures, RSA keys
 * under 2048 bits, extendedKeyUsage serverAuth. RFC 3820 proxy certificates are accepted in front of
 * the end-entity certificate only in the shapes RFC 3820 allows (proxy-path.ts).
 * The rules live in path-build.ts, path-checks.ts, path-names.ts and proxy-path.ts.
 */
import { MyProxyWebError } from '../errors.js';
import { validateProxyChain } from './proxy-path.js';

/**
 * Validates the server's chain (leaf first, as sent) against `trustRoots` at time `now`.
 * Throws MyProxyWebError with one code per rule: CERT_PARSE_ERROR, CERT_SELF_SIGNED,
 * CERT_INCOMPLETE_CHAIN, CERT_UNTRUSTED, CERT_BAD_SIGNATURE, CERT_EXPIRED, CERT_NOT_YET_VALID,
 * CERT_WEAK_SIGNATURE, CERT_WEAK_KEY, CERT_UNKNOWN_CRITICAL_EXTENSION, CERT_BAD_KEY_USAGE,
 * CERT_BAD_EKU, CERT_PATH_LENGTH, CERT_NAME_CONSTRAINTS, CERT_BAD_PROXY or CERT_INVALID.
 */
export async function validateServerChain(chainDer: readonly Uint8Array[], trustRoots: readonly Uint8Array[], now: Date): Promise<void> {
  if (chainDer.length === 0) throw new MyProxyWebError('CERT_INVALID', 'server sent no certificate');
  await validateProxyChain(chainDer, trustRoots, now, { purpose: 'serverAuth' });
}
