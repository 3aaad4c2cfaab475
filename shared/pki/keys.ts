/**
 * RSA key pairs for delegated credentials, made with WebCrypto so that the private key
 * is generated where the user is and need never leave it.
 */
import * as asn1js from 'asn1js';
import { bytesEqual } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';

/** rsaEncryption (RFC 8017 Appendix C). */
export const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

/** The key the C client makes (MYPROXY_KEYBITS default) and the minimum CA-mode servers usually accept. */
export const DEFAULT_MODULUS_BITS = 2048;

export interface RsaKeyOptions {
  /** RSA modulus size; default 2048. */
  modulusBits?: number;
  /** Whether the private key may be exported (needed to write a PEM file). */
  extractable: boolean;
}

function subtle(): SubtleCrypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle) throw new MyProxyWebError('INTERNAL', 'WebCrypto (crypto.subtle) is not available; a secure context is required');
  return crypto.subtle;
}

/** RSASSA-PKCS1-v1_5 with SHA-256, e = 65537; usable for 'sign' (the CSR) and 'verify'. */
export async function generateRsaKeyPair({ modulusBits = DEFAULT_MODULUS_BITS, extractable }: RsaKeyOptions): Promise<CryptoKeyPair> {
  if (!Number.isInteger(modulusBits) || modulusBits < 1024 || modulusBits > 16384 || modulusBits % 8 !== 0) {
    throw new MyProxyWebError('BAD_INPUT', `unsupported RSA modulus size: ${modulusBits}`);
  }
  try {
    return await subtle().generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: modulusBits,
        publicExponent: new Uint8Array([0x01, 0x00, 0x01]),
        hash: 'SHA-256',
      },
      extractable,
      ['sign', 'verify'],
    );
  } catch (cause) {
    throw new MyProxyWebError('INTERNAL', `RSA key generation failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

/**
 * The private key as a PKCS#1 RSAPrivateKey (RFC 8017 A.1.2) DER, the form myproxy-logon
 * writes under `BEGIN RSA PRIVATE KEY`. WebCrypto exports PKCS#8 only, so the
 * PrivateKeyInfo (RFC 5208 §5) is unwrapped here.
 */
export async function exportRsaPrivateKeyPkcs1(key: CryptoKey): Promise<Uint8Array> {
  if (key.type !== 'private') throw new MyProxyWebError('BAD_INPUT', 'not a private key');
  if (!key.extractable) throw new MyProxyWebError('BAD_INPUT', 'the private key is not extractable, so it cannot be written out');
  let pkcs8: ArrayBuffer;
  try {
    pkcs8 = await subtle().exportKey('pkcs8', key);
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot export the private key: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  return unwrapPkcs8Rsa(new Uint8Array(pkcs8));
}

/**
 * PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier,
 *                               privateKey OCTET STRING, attributes [0] IMPLICIT ... OPTIONAL }
 * Returns the content of privateKey after checking the algorithm is rsaEncryption.
 */
export function unwrapPkcs8Rsa(pkcs8: Uint8Array): Uint8Array {
  const fail = (what: string): never => {
    throw new MyProxyWebError('INTERNAL', `unexpected PKCS#8 encoding: ${what}`);
  };
  const parsed = asn1js.fromBER(pkcs8);
  if (parsed.offset === -1 || parsed.offset !== pkcs8.byteLength) fail('not a single DER value');
  const info = parsed.result;
  if (!(info instanceof asn1js.Sequence)) return fail('PrivateKeyInfo is not a SEQUENCE');
  const [version, algorithm, privateKey] = info.valueBlock.value;
  if (!(version instanceof asn1js.Integer) || version.valueBlock.valueDec !== 0) fail('version is not 0');
  if (!(algorithm instanceof asn1js.Sequence)) return fail('privateKeyAlgorithm is not a SEQUENCE');
  const oid = algorithm.valueBlock.value[0];
  if (!(oid instanceof asn1js.ObjectIdentifier)) return fail('algorithm has no OID');
  if (oid.valueBlock.toString() !== OID_RSA_ENCRYPTION) {
    throw new MyProxyWebError('BAD_INPUT', `the private key is not an RSA key (algorithm ${oid.valueBlock.toString()})`);
  }
  if (!(privateKey instanceof asn1js.OctetString)) return fail('privateKey is not an OCTET STRING');
  const inner = new Uint8Array(privateKey.valueBlock.valueHexView);
  const check = asn1js.fromBER(inner);
  if (check.offset !== inner.byteLength || !(check.result instanceof asn1js.Sequence)) fail('RSAPrivateKey is not a SEQUENCE');
  return inner.slice();
}

/** DER SubjectPublicKeyInfo of a public key. */
export async function exportSpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle().exportKey('spki', publicKey));
}

/**
 * Whether two SubjectPublicKeyInfo encodings carry the same key: same algorithm OID and the
 * same subjectPublicKey bits (algorithm parameters such as RSA's NULL are not compared).
 */
export function samePublicKey(spkiA: Uint8Array, spkiB: Uint8Array): boolean {
  const a = spkiParts(spkiA);
  const b = spkiParts(spkiB);
  return a !== undefined && b !== undefined && a.oid === b.oid && bytesEqual(a.key, b.key);
}

function spkiParts(spki: Uint8Array): { oid: string; key: Uint8Array } | undefined {
  const parsed = asn1js.fromBER(spki);
  if (parsed.offset !== spki.byteLength || !(parsed.result instanceof asn1js.Sequence)) return undefined;
  const [algorithm, key] = parsed.result.valueBlock.value;
  if (!(algorithm instanceof asn1js.Sequence) || !(key instanceof asn1js.BitString)) return undefined;
  const oid = algorithm.valueBlock.value[0];
  if (!(oid instanceof asn1js.ObjectIdentifier)) return undefined;
  return { oid: oid.valueBlock.toString(), key: new Uint8Array(key.valueBlock.valueHexView) };
}

/** Key types a logon can generate (MYPROXY_KEYBITS picks the RSA size in the CLI). */
export type KeyType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ec-p256';
export const KEY_TYPES: readonly KeyType[] = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256'];

/**
 * A key pair of `type`. RSA: RSASSA-PKCS1-v1_5/SHA-256, e = 65537. EC: ECDSA on P-256 (accepted by
 * repository-mode servers only; CA-mode servers refuse non-RSA keys, protocol notes §4.2).
 */
export async function generateKeyPair(type: KeyType, extractable: boolean): Promise<CryptoKeyPair> {
  switch (type) {
    case 'rsa-2048':
      return generateRsaKeyPair({ modulusBits: 2048, extractable });
    case 'rsa-3072':
      return generateRsaKeyPair({ modulusBits: 3072, extractable });
    case 'rsa-4096':
      return generateRsaKeyPair({ modulusBits: 4096, extractable });
    case 'ec-p256':
      try {
        return await subtle().generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, extractable, ['sign', 'verify']);
      } catch (cause) {
        throw new MyProxyWebError('INTERNAL', `EC key generation failed: ${(cause as Error)?.message ?? cause}`, { cause });
      }
    default:
      throw new MyProxyWebError('BAD_INPUT', `unsupported key type ${JSON.stringify(type)}; use one of ${KEY_TYPES.join(', ')}`);
  }
}

/** Whether a key is an elliptic-curve (ECDSA) key. */
export function isEcKey(key: CryptoKey): boolean {
  return key.algorithm.name === 'ECDSA';
}

/** The private key as unencrypted PKCS#8 PrivateKeyInfo DER (`BEGIN PRIVATE KEY`). */
export async function exportPrivateKeyPkcs8(key: CryptoKey): Promise<Uint8Array> {
  if (key.type !== 'private') throw new MyProxyWebError('BAD_INPUT', 'not a private key');
  if (!key.extractable) throw new MyProxyWebError('BAD_INPUT', 'the private key is not extractable, so it cannot be written out');
  try {
    return new Uint8Array(await subtle().exportKey('pkcs8', key));
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot export the private key: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}
