/**
 * Client certificates (RFC 8446 §4.4.2-§4.4.3, RFC 5246 §7.4.6, §7.4.8): the credential the
 * handshakes present when the server sends a CertificateRequest, and signing with WebCrypto.
 *
 * Signing with the key: a WebCrypto CryptoKey is bound to one algorithm (and for RSA to one hash).
 * - ECDSA keys sign ecdsa_secp256r1_sha256 / ecdsa_secp384r1_sha384 (the key's curve) in 1.2 and 1.3.
 * - RSASSA-PKCS1-v1_5 keys (what shared/pki/keys.ts makes, because CSRs are signed that way) sign
 *   rsa_pkcs1_<hash>, which TLS 1.2 accepts but TLS 1.3 forbids in CertificateVerify (RFC 8446 §4.4.3).
 *   For TLS 1.3 an RSA-PSS handle on the same key material is needed:
 *   - `pssPrivateKey` when the caller has one (e.g. imported from the same PKCS#8 twice);
 *   - else, if the key is extractable, clientCredentialFromKey exports it once, imports a
 *     non-extractable RSA-PSS copy and wipes the exported bytes;
 *   - else (non-extractable and PKCS#1 only) no TLS 1.3 scheme exists: connectTls then offers only
 *     TLS 1.2, which every GCT server since 2019 accepts (protocol notes §7). WebCrypto offers no way
 *     to re-purpose a non-extractable key, and no raw RSA operation to build PSS on.
 * - `sign` callbacks (hardware tokens, other key stores) can be given directly as a ClientCredential.
 */
import { MyProxyWebError } from '../errors.js';
import { bufferSource } from './codec.js';
import { SignatureScheme } from './constants.js';
import { ecdsaRawToDer } from './ecdsa-der.js';

/** What TlsClientOptions.clientCertificate takes with a CryptoKey. */
export interface ClientCertificate {
  /** DER certificates, leaf first; may include RFC 3820 proxy certificates and their issuers. */
  chain: readonly Uint8Array[];
  /** RSA (RSASSA-PKCS1-v1_5 or RSA-PSS) or ECDSA P-256/P-384 private key; may be non-extractable. */
  privateKey: CryptoKey;
  /** Optional RSA-PSS handle on the same RSA key, for TLS 1.3 when privateKey is PKCS#1 v1.5 and non-extractable. */
  pssPrivateKey?: CryptoKey;
}

/** A client certificate with any signer. */
export interface ClientCredential {
  chain: readonly Uint8Array[];
  /** The leaf key type, for TLS 1.2 certificate_types (RFC 5246 §7.4.4). */
  keyType: 'RSA' | 'ECDSA';
  /** SignatureSchemes `sign` can produce, in preference order. */
  schemes: readonly number[];
  /** Signs `data` itself (hashing is part of the scheme); returns the signature as TLS sends it (DER for ECDSA). */
  sign(scheme: number, data: Uint8Array): Promise<Uint8Array>;
}

/** RFC 8446 §4.4.3: PKCS#1 v1.5 is never used for CertificateVerify in TLS 1.3. */
const PKCS1_SCHEMES: readonly number[] = [SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.rsa_pkcs1_sha384, SignatureScheme.rsa_pkcs1_sha512];

const HASH_OF: Record<string, { pkcs1?: number; pss?: number; saltLength: number }> = {
  'SHA-256': { pkcs1: SignatureScheme.rsa_pkcs1_sha256, pss: SignatureScheme.rsa_pss_rsae_sha256, saltLength: 32 },
  'SHA-384': { pkcs1: SignatureScheme.rsa_pkcs1_sha384, pss: SignatureScheme.rsa_pss_rsae_sha384, saltLength: 48 },
  'SHA-512': { pkcs1: SignatureScheme.rsa_pkcs1_sha512, pss: SignatureScheme.rsa_pss_rsae_sha512, saltLength: 64 },
};

type Signer = (data: Uint8Array) => Promise<Uint8Array>;

function hashOf(key: CryptoKey): string {
  return ((key.algorithm as RsaHashedKeyAlgorithm).hash?.name ?? '').toUpperCase();
}

/** The scheme(s) one CryptoKey can produce, with how to produce each. */
function signersFor(key: CryptoKey): [number, Signer][] {
  const subtle = globalThis.crypto.subtle;
  const sign = (params: AlgorithmIdentifier | RsaPssParams | EcdsaParams, post: (raw: Uint8Array) => Uint8Array = (raw) => raw): Signer =>
    async (data) => post(new Uint8Array(await subtle.sign(params, key, bufferSource(data))));
  if (key.type !== 'private' || !key.usages.includes('sign')) return [];
  const name = key.algorithm.name;
  if (name === 'ECDSA') {
    const curve = (key.algorithm as EcKeyAlgorithm).namedCurve;
    if (curve === 'P-256') return [[SignatureScheme.ecdsa_secp256r1_sha256, sign({ name, hash: 'SHA-256' }, ecdsaRawToDer)]];
    if (curve === 'P-384') return [[SignatureScheme.ecdsa_secp384r1_sha384, sign({ name, hash: 'SHA-384' }, ecdsaRawToDer)]];
    return [];
  }
  const hash = HASH_OF[hashOf(key)];
  if (!hash) return [];
  if (name === 'RSA-PSS') return [[hash.pss!, sign({ name, saltLength: hash.saltLength })]];
  if (name === 'RSASSA-PKCS1-v1_5') return [[hash.pkcs1!, sign({ name })]];
  return [];
}

/** RFC 8446 §4.2.3 rsa_pss_rsae_sha256 from an extractable PKCS#1 v1.5 key: one export, one non-extractable import, bytes wiped. */
async function pssCopy(key: CryptoKey): Promise<CryptoKey | undefined> {
  if (key.algorithm.name !== 'RSASSA-PKCS1-v1_5' || !key.extractable) return undefined;
  const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', key));
  try {
    return await globalThis.crypto.subtle.importKey('pkcs8', pkcs8, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
  } finally {
    pkcs8.fill(0);
  }
}

/** Builds the signer for a CryptoKey-based client certificate (see the file comment for RSA and TLS 1.3). */
export async function clientCredentialFromKey(certificate: ClientCertificate): Promise<ClientCredential> {
  const { chain, privateKey } = certificate;
  if (chain.length === 0) throw new MyProxyWebError('BAD_INPUT', 'the client certificate chain is empty');
  const algorithm = privateKey.algorithm.name;
  const keyType = algorithm === 'ECDSA' ? 'ECDSA' : algorithm === 'RSA-PSS' || algorithm === 'RSASSA-PKCS1-v1_5' ? 'RSA' : undefined;
  if (!keyType) throw new MyProxyWebError('BAD_INPUT', `client key algorithm ${algorithm} is not supported (RSA or ECDSA only)`);
  const pss = certificate.pssPrivateKey ?? (await pssCopy(privateKey));
  // PSS first (OpenSSL's client order), then PKCS#1 v1.5 for TLS 1.2 servers that know no PSS.
  const signers = new Map<number, Signer>([...(pss ? signersFor(pss) : []), ...signersFor(privateKey)]);
  if (signers.size === 0) throw new MyProxyWebError('BAD_INPUT', 'the client private key cannot sign any TLS signature scheme (usage "sign", hash SHA-256/384/512, curve P-256/P-384)');
  return {
    chain: chain.map((der) => der.slice()),
    keyType,
    schemes: [...signers.keys()],
    sign: async (scheme, data) => {
      const signer = signers.get(scheme);
      if (!signer) throw new MyProxyWebError('INTERNAL', `client key cannot sign scheme 0x${scheme.toString(16)}`);
      return signer(data);
    },
  };
}

/** Whether the credential can sign a TLS 1.3 CertificateVerify at all. */
export function supportsTls13(credential: ClientCredential): boolean {
  return credential.schemes.some((scheme) => !PKCS1_SCHEMES.includes(scheme));
}

/** Our first scheme that the server accepts (RFC 8446 §4.3.2 signature_algorithms, RFC 5246 §7.4.4 supported_signature_algorithms). */
export function chooseClientScheme(credential: ClientCredential, offered: readonly number[], version: 'TLSv1.3' | 'TLSv1.2'): number | undefined {
  return credential.schemes.find((scheme) => offered.includes(scheme) && (version === 'TLSv1.2' || !PKCS1_SCHEMES.includes(scheme)));
}
