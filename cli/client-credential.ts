/**
 * The credential a command authenticates with (and, for init/store, the one it uploads), found
 * where the Globus tools look: $X509_USER_PROXY; else $X509_USER_CERT + $X509_USER_KEY; else the
 * default proxy /tmp/x509up_u<uid>; else ~/.globus/usercert.pem + ~/.globus/userkey.pem.
 * Keys: PKCS#8 (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) and PBES2-encrypted PKCS#8
 * (`ENCRYPTED PRIVATE KEY`, pass phrase prompted as grid-proxy-init does).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MyProxyWebError } from '../shared/errors.js';
import { describeCertificate } from '../shared/pki/credential.js';
import { findPrivateKeyPem, importRsaSigningKey, privateKeyInfoFromPem } from '../shared/pki/encrypted-key.js';
import { pemCertificates } from '../shared/pki/pem.js';
import type { CommandContext } from './context.js';
import { promptPassPhrase } from './pass-phrase.js';
import { stdinLines } from './stdin-lines.js';

export interface LoadedCredential {
  /** DER, leaf first. */
  chain: Uint8Array[];
  /** RSASSA-PKCS1-v1_5 SHA-256, extractable (TLS 1.3 needs a PSS copy; renewal may need SHA-1). */
  privateKey: CryptoKey;
  /** PrivateKeyInfo DER (unencrypted; kept only as long as the command runs). */
  pkcs8: Uint8Array;
  subject: string;
  notAfter: Date;
  certPath: string;
  keyPath: string;
}

/** A pass phrase: from standard input when `fromStdin` or no terminal, else prompted without echo. */
export async function askPassPhrase(context: CommandContext, prompt: string, fromStdin: boolean): Promise<string> {
  const stdin = context.stdin as NodeJS.ReadStream;
  if (fromStdin || !stdin.isTTY || stdin !== process.stdin) return stdinLines(stdin).next();
  return promptPassPhrase(prompt);
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot read ${what} ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** Loads a certificate file (chain) and a key file (may be the same file, as for proxies). */
export async function loadCredentialFiles(certPath: string, keyPath: string, context: CommandContext, keyPassPhraseFromStdin = false): Promise<LoadedCredential> {
  const certText = await readText(certPath, 'the certificate file');
  const keyText = keyPath === certPath ? certText : await readText(keyPath, 'the key file');
  const chain = pemCertificates(certText);
  if (chain.length === 0) throw new MyProxyWebError('BAD_INPUT', `${certPath} holds no PEM certificate`);
  const key = findPrivateKeyPem(keyText);
  if (!key) throw new MyProxyWebError('BAD_INPUT', `${keyPath} holds no PEM private key`);
  const leaf = describeCertificate(chain[0]!);
  const pkcs8 = await privateKeyInfoFromPem(key, () => askPassPhrase(context, `Enter GRID pass phrase for this identity:`, keyPassPhraseFromStdin));
  const privateKey = await importRsaSigningKey(pkcs8, true);
  return { chain, privateKey, pkcs8, subject: leaf.subject, notAfter: leaf.notAfter, certPath, keyPath };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

export function defaultUserCertFiles(env: NodeJS.ProcessEnv): { cert: string; key: string } {
  const home = env.HOME ?? os.homedir();
  return {
    cert: env.X509_USER_CERT ?? path.join(home, '.globus', 'usercert.pem'),
    key: env.X509_USER_KEY ?? path.join(home, '.globus', 'userkey.pem'),
  };
}

/** Where the client credential comes from, or undefined if there is none (then the command connects anonymously). */
export async function findClientCredential(env: NodeJS.ProcessEnv): Promise<{ cert: string; key: string } | undefined> {
  if (env.X509_USER_PROXY) return { cert: env.X509_USER_PROXY, key: env.X509_USER_PROXY };
  if (env.X509_USER_CERT && env.X509_USER_KEY) return { cert: env.X509_USER_CERT, key: env.X509_USER_KEY };
  const proxy = `/tmp/x509up_u${os.userInfo().uid}`;
  if (await exists(proxy)) return { cert: proxy, key: proxy };
  const user = defaultUserCertFiles(env);
  if ((await exists(user.cert)) && (await exists(user.key))) return user;
  return undefined;
}

/** The client credential, or a clear BAD_INPUT when the command needs one and none is found. */
export async function loadClientCredential(context: CommandContext, what: string): Promise<LoadedCredential> {
  const found = await findClientCredential(context.env);
  if (!found) {
    throw new MyProxyWebError(
      'BAD_INPUT',
      `${what} needs a client credential, and none was found: set X509_USER_PROXY (a proxy file, e.g. from 'myproxy-web logon'), or X509_USER_CERT and X509_USER_KEY, or create /tmp/x509up_u${os.userInfo().uid} or ~/.globus/usercert.pem and userkey.pem`,
    );
  }
  const credential = await loadCredentialFiles(found.cert, found.key, context);
  if (credential.notAfter.getTime() <= Date.now()) {
    throw new MyProxyWebError('CERT_EXPIRED', `the client credential ${found.cert} expired on ${credential.notAfter.toISOString()}`);
  }
  return credential;
}
