/**
 * `myproxy-web store`: myproxy-store (protocol notes §2.3 STORE, §5.2). Uploads the user's
 * certificate and key as they are: an encrypted key is sent unchanged (its pass phrase becomes
 * the MyProxy pass phrase for GET), an unencrypted one stays unencrypted (only renewers and
 * trusted retrievers can then use it).
 */
import { MyProxyWebError } from '../../shared/errors.js';
import { storeCredential, storeRequestBytes } from '../../shared/myproxy/store.js';
import { findPrivateKeyPem } from '../../shared/pki/encrypted-key.js';
import { pemCertificates, pemEncode } from '../../shared/pki/pem.js';
import { parseHours, stringOption, type OptionSpec } from '../args.js';
import { defaultUserCertFiles, findClientCredential, loadClientCredential, loadCredentialFiles } from '../client-credential.js';
import type { CommandContext } from '../context.js';
import { CREDNAME_OPTION, credentialNameOf, HELP_OPTIONS, JSON_OPTION, parseCommand, runOnServer, SERVER_OPTIONS, usage, USERNAME_OPTION, usernameOf } from '../ops-common.js';
import { KEY_RETRIEVER_OPTION, POLICY_OPTIONS, policyFromOptions } from '../policy-options.js';
import { promises as fs } from 'node:fs';

const OPTIONS: readonly OptionSpec[] = [
  ...HELP_OPTIONS,
  ...SERVER_OPTIONS,
  { name: 'certfile', short: 'c', long: 'certfile', value: 'filename', help: 'Certificate file name (default $X509_USER_CERT, ~/.globus/usercert.pem)' },
  { name: 'keyfile', short: 'y', long: 'keyfile', value: 'filename', help: 'Key file name (default $X509_USER_KEY, ~/.globus/userkey.pem)' },
  USERNAME_OPTION,
  { name: 'lifetime', short: 't', long: 'proxy_lifetime', value: 'hours', help: 'Lifetime of proxies delegated by server (default 12 hours)' },
  ...POLICY_OPTIONS,
  KEY_RETRIEVER_OPTION,
  CREDNAME_OPTION,
  JSON_OPTION,
];
export const STORE_USAGE = usage('store', '[-c certfile] [-y keyfile] [-t hours] [-l username] ...', OPTIONS);

export async function runStore(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = parseCommand(argv, OPTIONS, 'store', STORE_USAGE, context);
  if (!options) return 0;
  const env = context.env;
  const username = usernameOf(options, env);
  const defaults = defaultUserCertFiles(env);
  const certPath = stringOption(options, 'certfile') ?? defaults.cert;
  const keyPath = stringOption(options, 'keyfile') ?? defaults.key;
  const hours = parseHours(stringOption(options, 'lifetime') ?? '12', '-t');
  const policy = policyFromOptions(options);
  storeRequestBytes({ username, maxDelegationSeconds: Math.round(hours * 3600), ...credentialNameOf(options), policy }); // BAD_INPUT before any connection
  // The stored text: the certificate file's certificates, then the key block exactly as in the key file.
  const [certText, keyText] = await Promise.all([fs.readFile(certPath, 'utf8'), fs.readFile(keyPath, 'utf8')]).catch((cause: Error) => {
    throw new MyProxyWebError('BAD_INPUT', `cannot read the credential to store: ${cause.message}`, { cause });
  });
  const certificates = pemCertificates(certText);
  const key = findPrivateKeyPem(keyText);
  if (certificates.length === 0) throw new MyProxyWebError('BAD_INPUT', `${certPath} holds no PEM certificate`);
  if (!key) throw new MyProxyWebError('BAD_INPUT', `${keyPath} holds no PEM private key`);
  const label = key.kind === 'pkcs8' ? 'PRIVATE KEY' : key.kind === 'pkcs1' ? 'RSA PRIVATE KEY' : 'ENCRYPTED PRIVATE KEY';
  const payload = certificates.map((der) => pemEncode('CERTIFICATE', der)).join('') + pemEncode(label, key.der);
  // Authenticate as the owner: with the stored certificate and key when the key is not encrypted,
  // else (as myproxy-store does) with the client credential, else by decrypting the key locally.
  const credential =
    key.kind !== 'encrypted' || !(await findClientCredential(env))
      ? await loadCredentialFiles(certPath, keyPath, context)
      : await loadClientCredential(context, 'myproxy-web store');
  const name = credentialNameOf(options);
  await runOnServer(context, options, 'STORE', credential, (tls) =>
    storeCredential(tls, { username, maxDelegationSeconds: Math.round(hours * 3600), ...name, policy }, payload),
  );
  if (options.has('json')) context.stdout.write(`${JSON.stringify({ username, credentialName: name.credentialName ?? null, stored: true, keyEncrypted: key.kind === 'encrypted' })}\n`);
  else context.stdout.write('Credentials saved to myproxy server.\n');
  return 0;
}
