/**
 * myproxy-logon -d (--dn_as_username): the default user name is the identity DN of the
 * credential being renewed (-a), else of the default client credential (protocol notes §5.1).
 * Only the certificates are read; the private key is not needed for this.
 */
import { promises as fs } from 'node:fs';
import { MyProxyWebError } from '../shared/errors.js';
import { pemCertificates } from '../shared/pki/pem.js';
import { baseIdentitySubject } from '../shared/pki/x509.js';
import { findClientCredential } from './client-credential.js';

export async function usernameFromCredential(authorizationPath: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const certPath = authorizationPath ?? (await findClientCredential(env))?.cert;
  if (certPath === undefined) {
    throw new MyProxyWebError('BAD_INPUT', '-d needs a credential: use -a path, or set X509_USER_PROXY, or X509_USER_CERT and X509_USER_KEY');
  }
  let text: string;
  try {
    text = await fs.readFile(certPath, 'utf8');
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot read the credential ${certPath}: ${(cause as Error).message}`, { cause });
  }
  const chain = pemCertificates(text);
  if (chain.length === 0) throw new MyProxyWebError('BAD_INPUT', `no certificate in ${certPath}`);
  return baseIdentitySubject(chain);
}
