/**
 * What the server returned for a GET (protocol notes §1.6, §4.1): the issued certificate first,
 * then its chain. The issued certificate must carry the public key we asked for; every chain
 * entry must at least parse.
 */
import { MyProxyWebError } from '../errors.js';
import { describeCertificate } from '../pki/credential.js';
import { samePublicKey } from '../pki/keys.js';

export interface IssuedChain {
  certificate: Uint8Array;
  chain: Uint8Array[];
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isProxy: boolean;
}

/** `keyOwner` names whose key it must be in the error, e.g. "we sent" or "of the certificate request". */
export function checkIssuedChain(certificates: readonly Uint8Array[], expectedSpki: Uint8Array, keyOwner: string): IssuedChain {
  const [issued, ...chain] = certificates;
  if (!issued) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', 'the server returned no certificate');
  const description = describeCertificate(issued);
  if (!samePublicKey(description.publicKeySpki, expectedSpki)) {
    throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `the issued certificate does not carry the public key ${keyOwner}`);
  }
  for (const der of chain) describeCertificate(der);
  const { subject, issuer, notBefore, notAfter, isProxy } = description;
  return { certificate: issued, chain, subject, issuer, notBefore, notAfter, isProxy };
}
