/** Writing the credential out of <myproxy-logon>: the PKCS#12 file and its name. */
import type { LogonResult } from '../shared/myproxy/client.js';
import { createPkcs12 } from '../shared/pki/pkcs12.js';
import { downloadBytes } from './download.js';
import { format, type MyProxyLogonStrings } from './strings.js';

export const PKCS12_MEDIA_TYPE = 'application/x-pkcs12';
/** Shortest PKCS#12 password the element accepts. */
export const PKCS12_MIN_PASSWORD_LENGTH = 4;

/** credential.pem -> credential.p12; other names get .p12 appended. */
export function pkcs12Name(filename: string): string {
  return /\.pem$/i.test(filename) ? filename.replace(/\.pem$/i, '.p12') : `${filename}.p12`;
}

/** The message to show for a password and its repetition, or '' when they are acceptable. */
export function checkPkcs12Password(password: string, again: string, s: MyProxyLogonStrings): string {
  if (password.length < PKCS12_MIN_PASSWORD_LENGTH) return format(s.pkcs12TooShort, { min: PKCS12_MIN_PASSWORD_LENGTH });
  if (password !== again) return s.pkcs12Mismatch;
  return '';
}

/** Builds the PKCS#12 file (PBES2/AES-256-CBC, HMAC-SHA256) and saves it. */
export async function savePkcs12(credential: LogonResult, password: string, pemFilename: string): Promise<void> {
  const friendlyName = credential.subject.split('/CN=')[1] ?? 'MyProxy credential';
  const der = await createPkcs12({ certificate: credential.certificate, chain: credential.chain, privateKey: credential.privateKey, password, friendlyName });
  downloadBytes(der, pkcs12Name(pemFilename), PKCS12_MEDIA_TYPE);
  der.fill(0);
}
