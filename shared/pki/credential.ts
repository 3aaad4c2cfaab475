/**
 * The credential a MyProxy GET returns, and its PEM file form (protocol notes §4.4).
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MyProxyWebError } from '../errors.js';
import { OID_PROXY_CERT_INFO } from './csr.js';
import { formatDnOneline } from './dn.js';
import { exportPrivateKeyPkcs8, exportRsaPrivateKeyPkcs1, isEcKey } from './keys.js';
import { pemEncode } from './pem.js';

export interface Credential {
  /** DER of the issued certificate. */
  certificate: Uint8Array;
  /** DER of the rest of the chain as the server sent it (issuer first), excluding the issued certificate. */
  chain: Uint8Array[];
  /** May be non-extractable; then the credential cannot be written as PEM. */
  privateKey: CryptoKey;
  /** OpenSSL oneline form, e.g. `/O=Test/CN=Alice/CN=12345`. */
  subject: string;
  issuer: string;
  /** As the server actually issued them. */
  notBefore: Date;
  notAfter: Date;
  /** An RFC 3820 ProxyCertInfo extension is present. */
  isProxy: boolean;
}

export interface CertificateDescription {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isProxy: boolean;
  /** DER SubjectPublicKeyInfo of the certificate (re-encoded from the parsed value; compare with samePublicKey). */
  publicKeySpki: Uint8Array;
}

/** The facts about a DER certificate that a credential needs. Throws CERT_PARSE_ERROR. */
export function describeCertificate(der: Uint8Array): CertificateDescription {
  let certificate: pkijs.Certificate;
  try {
    const parsed = asn1js.fromBER(der);
    if (parsed.offset === -1 || parsed.offset !== der.byteLength) throw new Error('not a single DER value');
    certificate = new pkijs.Certificate({ schema: parsed.result });
  } catch (cause) {
    throw new MyProxyWebError('CERT_PARSE_ERROR', `cannot parse certificate: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  const extensions = certificate.extensions ?? [];
  return {
    subject: formatDnOneline(certificate.subject),
    issuer: formatDnOneline(certificate.issuer),
    notBefore: certificate.notBefore.value,
    notAfter: certificate.notAfter.value,
    isProxy: extensions.some((extension) => extension.extnID === OID_PROXY_CERT_INFO),
    publicKeySpki: new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER(false)),
  };
}

/**
 * The myproxy-logon file layout: issued certificate, its private key as unencrypted PKCS#1
 * (`BEGIN RSA PRIVATE KEY`, "so grid tools see RSA"; an EC key as PKCS#8 `BEGIN PRIVATE KEY`),
 * then each chain certificate. Throws BAD_INPUT if the private key is not extractable.
 * `keyPem`, if given, is privateKeyPem(credential.privateKey) started earlier (the command line
 * exports the key while the server signs).
 */
export async function credentialToPem(credential: Credential, keyPem?: Promise<string>): Promise<string> {
  const key = await (keyPem ?? privateKeyPem(credential.privateKey));
  let pem = pemEncode('CERTIFICATE', credential.certificate) + key;
  for (const der of credential.chain) pem += pemEncode('CERTIFICATE', der);
  return pem;
}

/** The private-key block of credentialToPem on its own. Throws BAD_INPUT if the key is not extractable. */
export async function privateKeyPem(privateKey: CryptoKey): Promise<string> {
  // EC keys as PKCS#8 `PRIVATE KEY`: grid tools refuse the SEC 1 `EC PRIVATE KEY` form.
  const ec = isEcKey(privateKey);
  const keyDer = ec ? await exportPrivateKeyPkcs8(privateKey) : await exportRsaPrivateKeyPkcs1(privateKey);
  const pem = pemEncode(ec ? 'PRIVATE KEY' : 'RSA PRIVATE KEY', keyDer);
  keyDer.fill(0);
  return pem;
}
