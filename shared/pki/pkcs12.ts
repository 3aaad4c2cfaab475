/**
 * PKCS#12 (RFC 7292) export of a credential, the modern OpenSSL 3 profile that grid tools
 * load (grid-proxy-init, openssl pkcs12, browsers' certificate import):
 *
 * - certificates in CertBags inside an EncryptedData, PBES2 (RFC 8018 §6.2) with
 *   PBKDF2-HMAC-SHA256 and AES-256-CBC;
 * - the private key, PKCS#8, in a PKCS8ShroudedKeyBag with the same PBES2 parameters;
 * - integrity: MacData, HMAC-SHA256 keyed by the PKCS#12 KDF (RFC 7292 Appendix B) with SHA-256.
 *
 * Built with asn1js and WebCrypto only (no pkijs PFX classes: they pull CMS SignedData into
 * the browser bundle), so it runs in browsers and Node alike.
 */
import * as asn1js from 'asn1js';
import { concatBytes, utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  hmacWithSha256: '1.2.840.113549.2.9',
  aes256Cbc: '2.16.840.1.101.3.4.1.42',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/** OpenSSL 3's PKCS12_DEFAULT_ITER, for both PBKDF2 and the MAC. */
export const PKCS12_DEFAULT_ITERATIONS = 2048;
const SALT_BYTES = 16;

export interface Pkcs12Options {
  /** DER of the end-entity (or proxy) certificate belonging to the key. */
  certificate: Uint8Array;
  /** DER of the rest of the chain, issuer first. */
  chain?: readonly Uint8Array[];
  /** An extractable private key, or its PKCS#8 PrivateKeyInfo DER. */
  privateKey: CryptoKey | Uint8Array;
  /** Protects the file; must not be empty. Never stored. */
  password: string;
  /** friendlyName attribute of the key and certificate (shown by certificate managers). */
  friendlyName?: string;
  /** PBKDF2 and MAC iteration count; default 2048 (OpenSSL's default). */
  iterations?: number;
}

function subtle(): SubtleCrypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle) throw new MyProxyWebError('INTERNAL', 'WebCrypto (crypto.subtle) is not available; a secure context is required');
  return crypto.subtle;
}

function randomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

function buf(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

const der = (value: asn1js.BaseBlock): Uint8Array => new Uint8Array(value.toBER(false));
const octets = (bytes: Uint8Array) => new asn1js.OctetString({ valueHex: buf(bytes) });
const oid = (value: string) => new asn1js.ObjectIdentifier({ value });
const explicit0 = (value: asn1js.BaseBlock) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [value] });
const algorithm = (id: string, params?: asn1js.BaseBlock) => new asn1js.Sequence({ value: params ? [oid(id), params] : [oid(id)] });

/** The password as a BMPString with a two-byte NUL terminator (RFC 7292 Appendix B.1). */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    const code = password.charCodeAt(i);
    out[i * 2] = code >> 8;
    out[i * 2 + 1] = code & 0xff;
  }
  return out;
}

/** Output (u) and block (v) sizes of the hashes the PKCS#12 KDF may use (RFC 7292 Appendix B.2). */
const KDF_SIZES = { 'SHA-1': [20, 64], 'SHA-256': [32, 64], 'SHA-384': [48, 128], 'SHA-512': [64, 128] } as const;
export type Pkcs12KdfHash = keyof typeof KDF_SIZES;

/**
 * RFC 7292 Appendix B.2 key derivation (SHA-256 unless `hash` says otherwise). `id` 1 derives
 * encryption keys, 2 IVs, 3 MAC keys; only 3 is used here.
 */
export async function pkcs12Kdf(id: 1 | 2 | 3, password: Uint8Array, salt: Uint8Array, iterations: number, length: number, hash: Pkcs12KdfHash = 'SHA-256'): Promise<Uint8Array> {
  const [u, v] = KDF_SIZES[hash];
  const fill = (source: Uint8Array): Uint8Array => {
    const out = new Uint8Array(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]!;
    return out;
  };
  const D = new Uint8Array(v).fill(id);
  const I = concatBytes(fill(salt), fill(password));
  const result = new Uint8Array(Math.ceil(length / u) * u);
  for (let block = 0; block * u < length; block++) {
    let A = concatBytes(D, I);
    for (let r = 0; r < iterations; r++) A = new Uint8Array(await subtle().digest(hash, buf(A)));
    result.set(A, block * u);
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, B = A repeated to v bytes.
    const B = fill(A).subarray(0, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return result.subarray(0, length);
}

/** PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC): returns the AlgorithmIdentifier and the ciphertext. */
async function pbes2Encrypt(plaintext: Uint8Array, password: string, iterations: number): Promise<{ algorithm: asn1js.Sequence; ciphertext: Uint8Array }> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(16);
  const passwordKey = await subtle().importKey('raw', buf(utf8Encode(password)), 'PBKDF2', false, ['deriveKey']);
  const key = await subtle().deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    passwordKey,
    { name: 'AES-CBC', length: 256 },
    false,
    ['encrypt'],
  );
  const ciphertext = new Uint8Array(await subtle().encrypt({ name: 'AES-CBC', iv: buf(iv) }, key, buf(plaintext)));
  const pbkdf2Params = new asn1js.Sequence({
    value: [octets(salt), new asn1js.Integer({ value: iterations }), algorithm(OID.hmacWithSha256, new asn1js.Null())],
  });
  const params = new asn1js.Sequence({ value: [algorithm(OID.pbkdf2, pbkdf2Params), algorithm(OID.aes256Cbc, octets(iv))] });
  return { algorithm: algorithm(OID.pbes2, params), ciphertext };
}

function bagAttributes(localKeyId: Uint8Array, friendlyName: string | undefined): asn1js.Set {
  const attributes = [new asn1js.Sequence({ value: [oid(OID.localKeyId), new asn1js.Set({ value: [octets(localKeyId)] })] })];
  if (friendlyName) {
    attributes.push(new asn1js.Sequence({ value: [oid(OID.friendlyName), new asn1js.Set({ value: [new asn1js.BmpString({ value: friendlyName })] })] }));
  }
  return new asn1js.Set({ value: attributes });
}

function certBag(certificate: Uint8Array, attributes?: asn1js.Set): asn1js.Sequence {
  const value = new asn1js.Sequence({ value: [oid(OID.x509Certificate), explicit0(octets(certificate))] });
  return new asn1js.Sequence({ value: [oid(OID.certBag), explicit0(value), ...(attributes ? [attributes] : [])] });
}

async function privateKeyInfo(key: CryptoKey | Uint8Array): Promise<Uint8Array> {
  if (key instanceof Uint8Array) return key.slice();
  if (key.type !== 'private') throw new MyProxyWebError('BAD_INPUT', 'not a private key');
  if (!key.extractable) throw new MyProxyWebError('BAD_INPUT', 'the private key is not extractable, so it cannot be written to a PKCS#12 file');
  return new Uint8Array(await subtle().exportKey('pkcs8', key));
}

/** A ContentInfo of type data wrapping `content` (DER) in an OCTET STRING. */
function dataContentInfo(content: Uint8Array): asn1js.Sequence {
  return new asn1js.Sequence({ value: [oid(OID.data), explicit0(octets(content))] });
}

/** Builds the PFX DER. Throws BAD_INPUT for an empty password or a non-extractable key. */
export async function createPkcs12(options: Pkcs12Options): Promise<Uint8Array> {
  const { certificate, chain = [], password, friendlyName } = options;
  const iterations = options.iterations ?? PKCS12_DEFAULT_ITERATIONS;
  if (typeof password !== 'string' || password === '') throw new MyProxyWebError('BAD_INPUT', 'the PKCS#12 password is empty');
  if (!Number.isInteger(iterations) || iterations < 1) throw new MyProxyWebError('BAD_INPUT', 'the PKCS#12 iteration count must be a positive whole number');

  // localKeyID ties the key to its certificate: SHA-1 of the certificate, as OpenSSL does.
  const localKeyId = new Uint8Array(await subtle().digest('SHA-1', buf(certificate)));
  const attributes = bagAttributes(localKeyId, friendlyName);

  // 1. Certificates, encrypted (OpenSSL 3 default): EncryptedData { version 0, EncryptedContentInfo }.
  const certificates = new asn1js.Sequence({ value: [certBag(certificate, attributes), ...chain.map((c) => certBag(c))] });
  const encryptedCerts = await pbes2Encrypt(der(certificates), password, iterations);
  const encryptedContentInfo = new asn1js.Sequence({
    value: [
      oid(OID.data),
      encryptedCerts.algorithm,
      new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: buf(encryptedCerts.ciphertext) }),
    ],
  });
  const certsContentInfo = new asn1js.Sequence({
    value: [oid(OID.encryptedData), explicit0(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 0 }), encryptedContentInfo] }))],
  });

  // 2. The key: EncryptedPrivateKeyInfo in a PKCS8ShroudedKeyBag, in a plain data SafeContents.
  const pkcs8 = await privateKeyInfo(options.privateKey);
  const shrouded = await pbes2Encrypt(pkcs8, password, iterations);
  pkcs8.fill(0);
  const keyBag = new asn1js.Sequence({
    value: [oid(OID.pkcs8ShroudedKeyBag), explicit0(new asn1js.Sequence({ value: [shrouded.algorithm, octets(shrouded.ciphertext)] })), attributes],
  });
  const keyContentInfo = dataContentInfo(der(new asn1js.Sequence({ value: [keyBag] })));

  // 3. AuthenticatedSafe, MAC over its DER, PFX.
  const authenticatedSafe = der(new asn1js.Sequence({ value: [certsContentInfo, keyContentInfo] }));
  const macSalt = randomBytes(SALT_BYTES);
  const macKey = await pkcs12Kdf(3, bmpPassword(password), macSalt, iterations, 32);
  const hmacKey = await subtle().importKey('raw', buf(macKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  macKey.fill(0);
  const mac = new Uint8Array(await subtle().sign('HMAC', hmacKey, buf(authenticatedSafe)));
  const macData = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [algorithm(OID.sha256, new asn1js.Null()), octets(mac)] }),
      octets(macSalt),
      new asn1js.Integer({ value: iterations }),
    ],
  });
  return der(new asn1js.Sequence({ value: [new asn1js.Integer({ value: 3 }), dataContentInfo(authenticatedSafe), macData] }));
}
