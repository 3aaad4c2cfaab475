/**
 * `myproxy-web retrieve`: myproxy-retrieve (protocol notes §2.3 RETRIEVE, §5.2). Writes the
 * certificates to -c and the key to -y (mode 0600, atomically); an encrypted key is decrypted
 * with the pass phrase and written as unencrypted PKCS#1, as the native tool does.
 */
import os from 'node:os';
import path from 'node:path';
import { MyProxyWebError } from '../../shared/errors.js';
import { retrieveCredential, retrieveRequestBytes } from '../../shared/myproxy/retrieve.js';
import { decryptPrivateKeyInfo, findPrivateKeyPem } from '../../shared/pki/encrypted-key.js';
import { unwrapPkcs8Rsa } from '../../shared/pki/keys.js';
import { pemEncode } from '../../shared/pki/pem.js';
import { stringOption, type OptionSpec } from '../args.js';
import { askPassPhrase, findClientCredential, loadCredentialFiles } from '../client-credential.js';
import type { CommandContext } from '../context.js';
import { writeFileAtomic0600 } from '../files.js';
import { CREDNAME_OPTION, credentialNameOf, HELP_OPTIONS, JSON_OPTION, parseCommand, runOnServer, SERVER_OPTIONS, usage, USERNAME_OPTION, usernameOf } from '../ops-common.js';

const OPTIONS: readonly OptionSpec[] = [
  ...HELP_OPTIONS,
  USERNAME_OPTION,
  ...SERVER_OPTIONS,
  CREDNAME_OPTION,
  { name: 'certfile', short: 'c', long: 'certfile', value: 'filename', help: 'Certificate file name (default $X509_USER_CERT, ~/.globus/usercert.pem)' },
  { name: 'keyfile', short: 'y', long: 'keyfile', value: 'filename', help: 'Key file name (default $X509_USER_KEY, ~/.globus/userkey.pem)' },
  { name: 'stdin', short: 'S', long: 'stdin_pass', help: 'Read passphrase from stdin' },
  { name: 'nopass', short: 'n', long: 'no_passphrase', help: "Don't prompt for passphrase" },
  JSON_OPTION,
];
export const RETRIEVE_USAGE = usage('retrieve', '[-l username] [-c certfile] [-y keyfile] ...', OPTIONS);

export async function runRetrieve(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = parseCommand(argv, OPTIONS, 'retrieve', RETRIEVE_USAGE, context);
  if (!options) return 0;
  const env = context.env;
  const username = usernameOf(options, env);
  const home = env.HOME ?? os.homedir();
  const certOut = stringOption(options, 'certfile') ?? env.X509_USER_CERT ?? path.join(home, '.globus', 'usercert.pem');
  const keyOut = stringOption(options, 'keyfile') ?? env.X509_USER_KEY ?? path.join(home, '.globus', 'userkey.pem');
  const passphrase = options.has('nopass') ? '' : await askPassPhrase(context, 'Enter MyProxy pass phrase:', options.has('stdin'));
  // A client credential is optional for RETRIEVE: key retriever policies name certificates.
  const found = await findClientCredential(env);
  const credential = found ? await loadCredentialFiles(found.cert, found.key, context) : undefined;
  const name = credentialNameOf(options);
  retrieveRequestBytes({ username, passphrase, ...name }); // BAD_INPUT before any connection
  const { result } = await runOnServer(context, options, 'RETRIEVE', credential, (tls) => retrieveCredential(tls, { username, passphrase, ...name }));
  let keyPem = result.keyPem;
  const key = findPrivateKeyPem(keyPem);
  if (key?.kind === 'encrypted') {
    if (!passphrase) throw new MyProxyWebError('BAD_INPUT', 'the retrieved key is encrypted; give its pass phrase (without -n)');
    const pkcs8 = await decryptPrivateKeyInfo(key.der, passphrase);
    let pkcs1: Uint8Array | undefined;
    try {
      pkcs1 = unwrapPkcs8Rsa(pkcs8);
    } catch {
      pkcs1 = undefined;
    }
    keyPem = pkcs1 ? pemEncode('RSA PRIVATE KEY', pkcs1) : pemEncode('PRIVATE KEY', pkcs8);
    pkcs8.fill(0);
  }
  await writeFileAtomic0600(certOut, result.certificatePem);
  await writeFileAtomic0600(keyOut, keyPem);
  if (options.has('json')) context.stdout.write(`${JSON.stringify({ username, credentialName: name.credentialName ?? null, certfile: certOut, keyfile: keyOut, certificates: result.certificates.length })}\n`);
  else context.stdout.write(`Credentials for ${username} have been stored in\n${certOut} and\n${keyOut}.\n`);
  return 0;
}
