/**
 * Private keys as grid tools store them, with WebCrypto only:
 * - PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) with PBES2 (RFC 8018 §6.2): PBKDF2 with
 *   HMAC-SHA1/-SHA256/-SHA384/-SHA512 and AES-128/192/256-CBC. We write PBKDF2-HMAC-SHA256 with
 *   AES-256-CBC, what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes and what myproxy-server
 *   (OpenSSL 3) decrypts for a GET on a STORE'd credential;
 * - PKCS#1 RSAPrivateKey wrapped into PKCS#8 PrivateKeyInfo for WebCrypto import.
 */
import * as asn1js from 'asn1js';
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { OID_RSA_ENCRYPTION } from './keys.js';
import { pemDecodeAll, pemEncode } from './pem.js';

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_PBKDF2 = '1.2.840.113549.1.5.12';
const PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'SHA-1',
  '1.2.840.113549.2.9': 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};
const OID_HMAC_SHA256 = '1.2.840.113549.2.9';
const AES_CBC: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16,
  '2.16.840.1.101.3.4.1.22': 24,
  '2.16.840.1.101.3.4.1.42': 32,
};
const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42';
/** OpenSSL's PKCS5_DEFAULT_ITER. */
export const DEFAULT_PBKDF2_ITERATIONS = 2048;
const MAX_ITERATIONS = 10_000_000;

function subtle(): SubtleCrypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle) throw new MyProxyWebError('INTERNAL', 'WebCrypto (crypto.subtle) is not available');
  return crypto.subtle;
}

function bad(message: string): never {
  throw new MyProxyWebError('BAD_INPUT', message);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function deriveAesKey(password: Uint8Array, salt: Uint8Array, iterations: number, hash: string, keyBytes: number, usage: KeyUsage): Promise<CryptoKey> {
  const base = await subtle().importKey('raw', toArrayBuffer(password), 'PBKDF2', false, ['deriveKey']);
  return subtle().deriveKey({ name: 'PBKDF2', salt: toArrayBuffer(salt), iterations, hash }, base, { name: 'AES-CBC', length: keyBytes * 8 }, false, [usage]);
}

export interface Pbes2Parameters {
  salt: Uint8Array;
  iterations: number;
  prfHash: string;
  keyBytes: number;
  iv: Uint8Array;
}

/** Parses a PBES2 AlgorithmIdentifier's parameters (RFC 8018 A.4, A.2). */
export function parsePbes2Parameters(params: asn1js.AsnType | undefined): Pbes2Parameters {
  if (!(params instanceof asn1js.Sequence)) bad('PBES2 parameters are not a SEQUENCE');
  const [kdf, scheme] = params.valueBlock.value;
  if (!(kdf instanceof asn1js.Sequence) || !(scheme instanceof asn1js.Sequence)) bad('malformed PBES2 parameters');
  const kdfOid = (kdf.valueBlock.value[0] as asn1js.ObjectIdentifier | undefined)?.valueBlock?.toString();
  if (kdfOid !== OID_PBKDF2) bad(`unsupported key derivation ${kdfOid ?? '?'} (PBKDF2 only)`);
  const kdfParams = kdf.valueBlock.value[1];
  if (!(kdfParams instanceof asn1js.Sequence)) bad('malformed PBKDF2 parameters');
  const [salt, iter, ...rest] = kdfParams.valueBlock.value;
  if (!(salt instanceof asn1js.OctetString) || !(iter instanceof asn1js.Integer)) bad('malformed PBKDF2 parameters');
  const iterations = iter.valueBlock.valueDec;
  if (!(iterations >= 1 && iterations <= MAX_ITERATIONS)) bad(`PBKDF2 iteration count ${iterations} out of range`);
  let prfHash = 'SHA-1';
  for (const item of rest) {
    if (item instanceof asn1js.Sequence) {
      const oid = (item.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
      const hash = PRF[oid];
      if (!hash) bad(`unsupported PBKDF2 PRF ${oid}`);
      prfHash = hash;
    }
  }
  const schemeOid = (scheme.valueBlock.value[0] as asn1js.ObjectIdentifier | undefined)?.valueBlock?.toString() ?? '?';
  const keyBytes = AES_CBC[schemeOid];
  if (!keyBytes) bad(`unsupported encryption scheme ${schemeOid} (AES-CBC only)`);
  const iv = scheme.valueBlock.value[1];
  if (!(iv instanceof asn1js.OctetString) || iv.valueBlock.valueHexView.length !== 16) bad('malformed AES-CBC IV');
  return { salt: new Uint8Array(salt.valueBlock.valueHexView), iterations, prfHash, keyBytes, iv: new Uint8Array(iv.valueBlock.valueHexView) };
}

/** Decrypts PBES2 content; a wrong password almost always shows as bad padding. */
export async function pbes2Decrypt(params: Pbes2Parameters, password: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const key = await deriveAesKey(password, params.salt, params.iterations, params.prfHash, params.keyBytes, 'decrypt');
  try {
    return new Uint8Array(await subtle().decrypt({ name: 'AES-CBC', iv: toArrayBuffer(params.iv) }, key, toArrayBuffer(ciphertext)));
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', 'wrong pass phrase for the encrypted private key (decryption failed)', { cause });
  }
}

/** PKCS#8 PrivateKeyInfo DER → EncryptedPrivateKeyInfo DER (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC). */
export async function encryptPrivateKeyInfo(pkcs8: Uint8Array, passphrase: string, iterations = DEFAULT_PBKDF2_ITERATIONS): Promise<Uint8Array> {
  if (!passphrase) bad('the pass phrase for the private key is empty');
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const key = await deriveAesKey(utf8Encode(passphrase), salt, iterations, 'SHA-256', 32, 'encrypt');
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: toArrayBuffer(iv) }, key, toArrayBuffer(pkcs8)));
  const algorithm = (oid: string, params?: asn1js.AsnType): asn1js.Sequence =>
    new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), ...(params ? [params] : [])] });
  const info = new asn1js.Sequence({
    value: [
      algorithm(
        OID_PBES2,
        new asn1js.Sequence({
          value: [
            algorithm(
              OID_PBKDF2,
              new asn1js.Sequence({
                value: [new asn1js.OctetString({ valueHex: toArrayBuffer(salt) }), new asn1js.Integer({ value: iterations }), algorithm(OID_HMAC_SHA256, new asn1js.Null())],
              }),
            ),
            algorithm(OID_AES256_CBC, new asn1js.OctetString({ valueHex: toArrayBuffer(iv) })),
          ],
        }),
      ),
      new asn1js.OctetString({ valueHex: toArrayBuffer(ciphertext) }),
    ],
  });
  return new Uint8Array(info.toBER(false));
}

/** EncryptedPrivateKeyInfo DER → PrivateKeyInfo DER. */
export async function decryptPrivateKeyInfo(der: Uint8Array, passphrase: string): Promise<Uint8Array> {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset !== der.byteLength || !(parsed.result instanceof asn1js.Sequence)) bad('the encrypted private key is not DER');
  const [algorithm, data] = parsed.result.valueBlock.value;
  if (!(algorithm instanceof asn1js.Sequence) || !(data instanceof asn1js.OctetString)) bad('malformed EncryptedPrivateKeyInfo');
  const oid = (algorithm.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString();
  if (oid !== OID_PBES2) bad(`the private key is encrypted with ${oid}; only PBES2 (openssl pkcs8 -v2 aes-256-cbc, OpenSSL 3's default) is supported`);
  return pbes2Decrypt(parsePbes2Parameters(algorithm.valueBlock.value[1]), utf8Encode(passphrase), new Uint8Array(data.valueBlock.valueHexView));
}

/** PKCS#1 RSAPrivateKey DER → PKCS#8 PrivateKeyInfo DER (RFC 5208 §5). */
export function wrapPkcs1InPkcs8(pkcs1: Uint8Array): Uint8Array {
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_RSA_ENCRYPTION }), new asn1js.Null()] }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(pkcs1) }),
    ],
  });
  return new Uint8Array(info.toBER(false));
}

/** The PEM private key blocks grid tools write, in the order found. */
export type PrivateKeyPem = { kind: 'pkcs8' | 'pkcs1' | 'encrypted'; der: Uint8Array };

export function findPrivateKeyPem(text: string): PrivateKeyPem | undefined {
  for (const block of pemDecodeAll(text)) {
    if (block.label === 'PRIVATE KEY') return { kind: 'pkcs8', der: block.der };
    if (block.label === 'RSA PRIVATE KEY') return { kind: 'pkcs1', der: block.der };
    if (block.label === 'ENCRYPTED PRIVATE KEY') return { kind: 'encrypted', der: block.der };
  }
  return undefined;
}

/** PrivateKeyInfo DER of a PEM key, asking for the pass phrase only when the key is encrypted. */
export async function privateKeyInfoFromPem(key: PrivateKeyPem, passphrase: () => Promise<string>): Promise<Uint8Array> {
  switch (key.kind) {
    case 'pkcs8':
      return key.der;
    case 'pkcs1':
      return wrapPkcs1InPkcs8(key.der);
    case 'encrypted':
      return decryptPrivateKeyInfo(key.der, await passphrase());
  }
}

/** An RSA PrivateKeyInfo as a WebCrypto signing key (RSASSA-PKCS1-v1_5, SHA-256 by default). */
export async function importRsaSigningKey(pkcs8: Uint8Array, extractable: boolean, hash = 'SHA-256'): Promise<CryptoKey> {
  try {
    return await subtle().importKey('pkcs8', toArrayBuffer(pkcs8), { name: 'RSASSA-PKCS1-v1_5', hash }, extractable, ['sign']);
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `the private key is not a usable RSA key: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

export function encryptedPrivateKeyPem(der: Uint8Array): string {
  return pemEncode('ENCRYPTED PRIVATE KEY', der);
}
