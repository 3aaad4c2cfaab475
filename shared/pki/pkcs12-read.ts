/**
 * Reading a PKCS#12 file (RFC 7292) for myproxy-web init --pkcs12: the certificates and the
 * private key, from the OpenSSL 3 default profile (PBES2 with PBKDF2 and AES-CBC, for the
 * key bag and for the encrypted certificate bag) or unencrypted bags. The legacy
 * pbeWithSHAAnd3-KeyTripleDES-CBC / RC2 profiles need ciphers WebCrypto does not have: they are
 * refused with a hint (`openssl pkcs12 ... -legacy` files can be converted without it).
 * The MAC (RFC 7292 §4, HMAC keyed by the Appendix B KDF) is checked before anything is
 * decrypted: a wrong password or an altered file is refused as such.
 */
import * as asn1js from 'asn1js';
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { bytesEqual } from '../bytes/bytes.js';
import { decryptPrivateKeyInfo, parsePbes2Parameters, pbes2Decrypt } from './encrypted-key.js';
import { bmpPassword, pkcs12Kdf, type Pkcs12KdfHash } from './pkcs12.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
} as const;

/** MAC digest algorithms (RFC 7292 §4 MacData.mac.digestAlgorithm) and their WebCrypto names. */
const MAC_HASHES: Readonly<Record<string, Pkcs12KdfHash>> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** Largest MAC iteration count accepted (OpenSSL writes 2048; bounds the work a hostile file can cause). */
const MAX_MAC_ITERATIONS = 10_000_000;

/** RFC 7292 §4: MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER DEFAULT 1 }. */
async function checkMac(macData: asn1js.AsnType, authenticatedSafe: Uint8Array, password: string): Promise<void> {
  const [digestInfo, salt, iterationsValue] = seq(macData, 'MacData');
  const [digestAlgorithm, digest] = seq(digestInfo, 'MacData.mac');
  const hash = MAC_HASHES[oidOf(seq(digestAlgorithm, 'MAC digest algorithm')[0])];
  if (!hash) bad('the integrity MAC uses an unsupported digest');
  let iterations = 1;
  if (iterationsValue !== undefined) {
    if (!(iterationsValue instanceof asn1js.Integer)) bad('MacData.iterations is not an INTEGER');
    iterations = iterationsValue.valueBlock.valueDec;
  }
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_MAC_ITERATIONS) bad('MacData.iterations is out of range');
  const expected = octets(digest, 'MAC value');
  const size = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 }[hash];
  const key = await pkcs12Kdf(3, bmpPassword(password), octets(salt, 'MAC salt'), iterations, size, hash);
  const hmac = await globalThis.crypto.subtle.importKey('raw', key.slice().buffer as ArrayBuffer, { name: 'HMAC', hash }, false, ['sign']);
  key.fill(0);
  const actual = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', hmac, authenticatedSafe.slice().buffer as ArrayBuffer));
  if (!bytesEqual(actual, expected)) bad('the integrity check failed: wrong password, or the file was altered');
}

export interface Pkcs12Contents {
  /** DER certificates in file order (the key's certificate is moved first by the caller if needed). */
  certificates: Uint8Array[];
  /** PrivateKeyInfo DER. */
  privateKeyInfo: Uint8Array;
}

function bad(message: string): never {
  throw new MyProxyWebError('BAD_INPUT', `PKCS#12: ${message}`);
}

function der(bytes: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1) bad(`${what} is not valid DER`);
  return parsed.result;
}

function seq(value: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(value instanceof asn1js.Sequence)) bad(`${what} is not a SEQUENCE`);
  return value.valueBlock.value;
}

function oidOf(value: asn1js.AsnType | undefined): string {
  return value instanceof asn1js.ObjectIdentifier ? value.valueBlock.toString() : '';
}

/** The bytes of an OCTET STRING, constructed (BER) or primitive. */
function octets(value: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(value instanceof asn1js.OctetString)) bad(`${what} is not an OCTET STRING`);
  if (!value.idBlock.isConstructed) return new Uint8Array(value.valueBlock.valueHexView);
  const parts = (value.valueBlock.value as asn1js.OctetString[]).map((part) => octets(part, what));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** `[0] EXPLICIT` content of a ContentInfo / bag. */
function explicit0(value: asn1js.AsnType | undefined, what: string): asn1js.AsnType {
  if (!(value instanceof asn1js.Constructed) || value.idBlock.tagClass !== 3 || value.idBlock.tagNumber !== 0) bad(`${what} has no [0] content`);
  return value.valueBlock.value[0]!;
}

async function decryptEncryptedData(content: asn1js.AsnType, password: string): Promise<Uint8Array> {
  // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType, algorithm, [0] IMPLICIT encryptedContent } }
  const [, info] = seq(content, 'EncryptedData');
  const [, algorithm, encrypted] = seq(info, 'EncryptedContentInfo');
  const [algorithmOid, params] = seq(algorithm, 'content encryption algorithm');
  if (oidOf(algorithmOid) !== OID.pbes2) bad(`certificates are encrypted with ${oidOf(algorithmOid)} (a legacy PKCS#12 cipher); re-export the file with OpenSSL 3 defaults (-certpbe AES-256-CBC -keypbe AES-256-CBC)`);
  if (!encrypted || encrypted.idBlock.tagClass !== 3 || encrypted.idBlock.tagNumber !== 0) bad('EncryptedContentInfo has no encrypted content');
  let ciphertext: Uint8Array;
  if (encrypted.idBlock.isConstructed) {
    const parts = (encrypted as asn1js.Constructed).valueBlock.value.map((part) => octets(part, 'encrypted content'));
    ciphertext = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      ciphertext.set(part, offset);
      offset += part.length;
    }
  } else {
    ciphertext = new Uint8Array((encrypted as asn1js.Primitive).valueBlock.valueHexView);
  }
  return pbes2Decrypt(parsePbes2Parameters(params), utf8Encode(password), ciphertext);
}

export async function readPkcs12(file: Uint8Array, password: string): Promise<Pkcs12Contents> {
  const [version, authSafe, macData] = seq(der(file, 'the file'), 'PFX');
  if (!(version instanceof asn1js.Integer) || version.valueBlock.valueDec !== 3) bad('unsupported PFX version');
  const [authType, authContent] = seq(authSafe, 'authSafe');
  if (oidOf(authType) !== OID.data) bad('public-key integrity mode is not supported');
  const authenticatedSafe = octets(explicit0(authContent, 'authSafe'), 'authSafe');
  // Integrity first (RFC 7292 §5.1): nothing is decrypted from a file whose MAC does not verify.
  if (macData !== undefined) await checkMac(macData, authenticatedSafe, password);
  const safes = seq(der(authenticatedSafe, 'AuthenticatedSafe'), 'AuthenticatedSafe');
  const certificates: Uint8Array[] = [];
  let privateKeyInfo: Uint8Array | undefined;
  for (const safe of safes) {
    const [type, content] = seq(safe, 'ContentInfo');
    let bagsDer: Uint8Array;
    if (oidOf(type) === OID.data) bagsDer = octets(explicit0(content, 'ContentInfo'), 'SafeContents');
    else if (oidOf(type) === OID.encryptedData) bagsDer = await decryptEncryptedData(explicit0(content, 'ContentInfo'), password);
    else bad(`unsupported content type ${oidOf(type)}`);
    for (const bag of seq(der(bagsDer, 'SafeContents'), 'SafeContents')) {
      const [bagId, bagValue] = seq(bag, 'SafeBag');
      const value = explicit0(bagValue, 'SafeBag');
      switch (oidOf(bagId)) {
        case OID.certBag: {
          const [certType, certValue] = seq(value, 'CertBag');
          if (oidOf(certType) === OID.x509Certificate) certificates.push(octets(explicit0(certValue, 'CertBag'), 'certificate'));
          break;
        }
        case OID.pkcs8ShroudedKeyBag:
          privateKeyInfo ??= await decryptPrivateKeyInfo(new Uint8Array(value.toBER(false)), password);
          break;
        case OID.keyBag:
          privateKeyInfo ??= new Uint8Array(value.toBER(false));
          break;
        default:
          break;
      }
    }
  }
  if (!privateKeyInfo) bad('the file holds no private key');
  if (certificates.length === 0) bad('the file holds no certificate');
  return { certificates, privateKeyInfo };
}
