/**
 * Signing an RFC 3820 proxy certificate with the user's own key, as grid-proxy-init and
 * myproxy-init do (globus_gsi_proxy_sign_req; protocol notes §2.3 PUT, §4.1):
 * - subject = issuer subject + `CN=<serial in decimal>`, serial random and positive;
 * - ProxyCertInfo critical, policy language inheritAll (impersonation) or the Globus limited language;
 * - KeyUsage critical, copied from the issuer with nonRepudiation and keyCertSign cleared
 *   (digitalSignature + keyEncipherment if the issuer has none); extendedKeyUsage copied;
 * - notBefore = now − 5 min, notAfter = now + lifetime (never past the issuer's notAfter);
 * - signed with SHA-256 by the issuer's key.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MyProxyWebError } from '../errors.js';
import { OID_PPL_INHERIT_ALL, OID_PROXY_CERT_INFO, webCryptoEngine } from './csr.js';

export const OID_PPL_LIMITED = '1.3.6.1.4.1.3536.1.1.1.9';
const OID_KEY_USAGE = '2.5.29.15';
const OID_EXT_KEY_USAGE = '2.5.29.37';
const OID_COMMON_NAME = '2.5.4.3';
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface ProxySigningOptions {
  /** DER SubjectPublicKeyInfo of the key the proxy certifies (from the delegatee's request). */
  publicKeySpki: Uint8Array;
  /** DER certificate of the signer (the user's certificate or proxy). */
  issuerCertificate: Uint8Array;
  /** The signer's private key (RSASSA-PKCS1-v1_5; its own hash is used, SHA-256 for our imports). */
  issuerKey: CryptoKey;
  lifetimeSeconds: number;
  /** A Globus limited proxy instead of an impersonation proxy. */
  limited?: boolean;
  now?: Date;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function parse(der: Uint8Array, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || parsed.offset !== der.byteLength) throw new MyProxyWebError('CERT_PARSE_ERROR', `${what} is not a single DER value`);
  return parsed.result;
}

/** The public key of a DER PKCS#10 request, after checking its self-signature. */
export async function certificationRequestSpki(csrDer: Uint8Array): Promise<Uint8Array> {
  let csr: pkijs.CertificationRequest;
  try {
    csr = new pkijs.CertificationRequest({ schema: parse(csrDer, 'the certificate request') });
  } catch (cause) {
    throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `the server's certificate request cannot be parsed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  let valid = false;
  try {
    valid = await csr.verify(webCryptoEngine());
  } catch {
    valid = false;
  }
  if (!valid) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', "the server's certificate request has an invalid signature");
  return new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER(false));
}

function proxyCertInfo(limited: boolean): Uint8Array {
  const value = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: limited ? OID_PPL_LIMITED : OID_PPL_INHERIT_ALL })] })],
  });
  return new Uint8Array(value.toBER(false));
}

/** KeyUsage bits of the issuer minus nonRepudiation (bit 1) and keyCertSign (bit 5). */
function proxyKeyUsage(issuer: pkijs.Certificate): Uint8Array {
  const extension = issuer.extensions?.find((e) => e.extnID === OID_KEY_USAGE);
  let bits = new Uint8Array([0x80 | 0x20]); // digitalSignature, keyEncipherment
  if (extension) {
    const parsed = asn1js.fromBER(extension.extnValue.valueBlock.valueHexView);
    if (parsed.result instanceof asn1js.BitString) bits = new Uint8Array(parsed.result.valueBlock.valueHexView);
  }
  bits = bits.slice();
  if (bits.length > 0) bits[0]! &= ~(0x40 | 0x04);
  let length = bits.length;
  while (length > 0 && bits[length - 1] === 0) length--;
  bits = bits.slice(0, length);
  let unused = 0;
  if (length > 0) {
    const last = bits[length - 1]!;
    while (unused < 7 && (last & (1 << unused)) === 0) unused++;
  }
  return new Uint8Array(new asn1js.BitString({ valueHex: toArrayBuffer(bits), unusedBits: unused }).toBER(false));
}

function randomSerial(): number {
  const [value] = globalThis.crypto.getRandomValues(new Uint32Array(1));
  return (value! >>> 1) | 0x10000; // positive, at least five digits
}

/** DER of the signed proxy certificate. */
export async function signProxyCertificate(options: ProxySigningOptions): Promise<Uint8Array> {
  const { lifetimeSeconds } = options;
  if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds <= 0) throw new MyProxyWebError('BAD_INPUT', 'the proxy lifetime must be a positive whole number of seconds');
  let issuer: pkijs.Certificate;
  try {
    issuer = new pkijs.Certificate({ schema: parse(options.issuerCertificate, 'the signing certificate') });
  } catch (cause) {
    throw new MyProxyWebError('CERT_PARSE_ERROR', `cannot parse the signing certificate: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  const now = options.now ?? new Date();
  if (issuer.notAfter.value.getTime() <= now.getTime()) throw new MyProxyWebError('CERT_EXPIRED', `the signing certificate expired on ${issuer.notAfter.value.toISOString()}`);
  const serial = randomSerial();

  // Subject: the issuer's encoded name plus one RDN, so the prefix stays byte-identical.
  const subjectSequence = parse(new Uint8Array(issuer.subject.valueBeforeDecode.byteLength ? issuer.subject.valueBeforeDecode : issuer.subject.toSchema().toBER(false)), 'the issuer name') as asn1js.Sequence;
  subjectSequence.valueBlock.value.push(
    new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_COMMON_NAME }), new asn1js.PrintableString({ value: String(serial) })] })] }),
  );
  const subjectDer = new Uint8Array(subjectSequence.toBER(false));

  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ value: serial });
  certificate.issuer = issuer.subject;
  certificate.subject = new pkijs.RelativeDistinguishedNames({ schema: parse(subjectDer, 'the proxy subject') });
  certificate.notBefore.value = new Date(now.getTime() - CLOCK_SKEW_MS);
  const notAfter = Math.min(now.getTime() + lifetimeSeconds * 1000, issuer.notAfter.value.getTime());
  certificate.notAfter.value = new Date(notAfter);
  certificate.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: parse(options.publicKeySpki, 'the public key') });
  const extensions = [
    new pkijs.Extension({ extnID: OID_PROXY_CERT_INFO, critical: true, extnValue: toArrayBuffer(proxyCertInfo(options.limited ?? false)) }),
    new pkijs.Extension({ extnID: OID_KEY_USAGE, critical: true, extnValue: toArrayBuffer(proxyKeyUsage(issuer)) }),
  ];
  const eku = issuer.extensions?.find((e) => e.extnID === OID_EXT_KEY_USAGE);
  if (eku) extensions.push(new pkijs.Extension({ extnID: OID_EXT_KEY_USAGE, critical: eku.critical, extnValue: toArrayBuffer(new Uint8Array(eku.extnValue.valueBlock.valueHexView)) }));
  certificate.extensions = extensions;
  try {
    await certificate.sign(options.issuerKey, 'SHA-256', webCryptoEngine());
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot sign the proxy certificate with the user key: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  return new Uint8Array(certificate.toSchema(false).toBER(false));
}
