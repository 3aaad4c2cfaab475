/**
 * The PKCS#10 request sent in a MyProxy GET (protocol notes §4.3): the same shape as the
 * C client's `globus_gsi_proxy_create_req`, so servers treat us like myproxy-logon.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { MyProxyWebError } from '../errors.js';

/** RFC 3820 §3.8: id-pe-proxyCertInfo. */
export const OID_PROXY_CERT_INFO = '1.3.6.1.5.5.7.1.14';
/** RFC 3820 §3.8: id-ppl-inheritAll. */
export const OID_PPL_INHERIT_ALL = '1.3.6.1.5.5.7.21.1';
/** RFC 2985 §5.4.2: pkcs-9-at-extensionRequest. */
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_COMMON_NAME = '2.5.4.3';

/** The subject the C client puts in its request; servers ignore it (§4.1). */
export const CSR_SUBJECT_CN = 'NULL SUBJECT NAME ENTRY';

let cryptoEngine: pkijs.CryptoEngine | undefined;

/** A pkijs engine over the platform's WebCrypto, passed explicitly so no global engine state is needed. */
export function webCryptoEngine(): pkijs.CryptoEngine {
  if (!cryptoEngine) {
    const crypto = globalThis.crypto;
    if (!crypto?.subtle) throw new MyProxyWebError('INTERNAL', 'WebCrypto (crypto.subtle) is not available; a secure context is required');
    cryptoEngine = new pkijs.CryptoEngine({ name: 'webcrypto', crypto });
  }
  return cryptoEngine;
}

/**
 * ProxyCertInfo ::= SEQUENCE { pCPathLenConstraint INTEGER OPTIONAL,
 *                              proxyPolicy ProxyPolicy }
 * ProxyPolicy   ::= SEQUENCE { policyLanguage OBJECT IDENTIFIER, policy OCTET STRING OPTIONAL }
 * (RFC 3820 §3.8). No path length (unlimited), policy language inheritAll: an impersonation proxy.
 */
export function encodeProxyCertInfoInheritAll(): Uint8Array {
  const value = new asn1js.Sequence({
    value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID_PPL_INHERIT_ALL })] })],
  });
  return new Uint8Array(value.toBER(false));
}

/**
 * DER PKCS#10: version 0, subject `CN=NULL SUBJECT NAME ENTRY`, the key pair's public key,
 * an extensionRequest holding a critical ProxyCertInfo (inheritAll), signed with SHA-256.
 */
export async function createProxyCsr(keyPair: CryptoKeyPair): Promise<Uint8Array> {
  const engine = webCryptoEngine();
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  csr.subject.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({ type: OID_COMMON_NAME, value: new asn1js.Utf8String({ value: CSR_SUBJECT_CN }) }),
  );
  try {
    await csr.subjectPublicKeyInfo.importKey(keyPair.publicKey, engine);
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot use the public key in a certificate request: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  const proxyCertInfo = encodeProxyCertInfoInheritAll();
  const extensions = new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({
        extnID: OID_PROXY_CERT_INFO,
        critical: true,
        extnValue: proxyCertInfo.buffer.slice(proxyCertInfo.byteOffset, proxyCertInfo.byteOffset + proxyCertInfo.byteLength) as ArrayBuffer,
      }),
    ],
  });
  csr.attributes = [new pkijs.Attribute({ type: OID_EXTENSION_REQUEST, values: [extensions.toSchema()] })];
  try {
    await csr.sign(keyPair.privateKey, 'SHA-256', engine);
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot sign the certificate request: ${(cause as Error)?.message ?? cause}`, { cause });
  }
  return new Uint8Array(csr.toSchema(false).toBER(false));
}
