/**
 * `myproxy-web init`: myproxy-init (protocol notes §2.3 PUT, §5.2): makes an RFC 3820 proxy of
 * the user's certificate for the server's key and stores it. The user's certificate and key come
 * from -C/-y (default $X509_USER_CERT/$X509_USER_KEY, ~/.globus/usercert.pem and userkey.pem) or
 * from --pkcs12 FILE; the connection authenticates with the same credential.
 */
import { promises as fs } from 'node:fs';
import { MyProxyWebError } from '../../shared/errors.js';
import { checkNewPassphrase } from '../../shared/myproxy/command.js';
import { putCredential, putRequestBytes } from '../../shared/myproxy/put.js';
import { describeCertificate } from '../../shared/pki/credential.js';
import { importRsaSigningKey } from '../../shared/pki/encrypted-key.js';
import { parseHours, stringOption, type OptionSpec } from '../args.js';
import { askPassPhrase, defaultUserCertFiles, loadCredentialFiles, type LoadedCredential } from '../client-credential.js';
import type { CommandContext } from '../context.js';
import { CREDNAME_OPTION, credentialNameOf, HELP_OPTIONS, JSON_OPTION, parseCommand, runOnServer, SERVER_OPTIONS, serverHost, usage, USERNAME_OPTION, usernameOf } from '../ops-common.js';
import { POLICY_OPTIONS, policyFromOptions } from '../policy-options.js';

const OPTIONS: readonly OptionSpec[] = [
  ...HELP_OPTIONS,
  USERNAME_OPTION,
  { name: 'credLifetime', short: 'c', long: 'cred_lifetime', value: 'hours', help: 'Lifetime of delegated proxy on server (default 1 week)' },
  { name: 'lifetime', short: 't', long: 'proxy_lifetime', value: 'hours', help: 'Lifetime of proxies delegated by server (default 12 hours)' },
  ...SERVER_OPTIONS,
  { name: 'certfile', short: 'C', long: 'certfile', value: 'filename', help: 'Certificate file name (default $X509_USER_CERT, ~/.globus/usercert.pem)' },
  { name: 'keyfile', short: 'y', long: 'keyfile', value: 'filename', help: 'Key file name (default $X509_USER_KEY, ~/.globus/userkey.pem)' },
  { name: 'pkcs12', long: 'pkcs12', value: 'file', help: 'Take certificate and key from a PKCS#12 file (OpenSSL 3 AES profile)' },
  ...POLICY_OPTIONS,
  { name: 'stdin', short: 'S', long: 'stdin_pass', help: 'Read passphrase from stdin' },
  { name: 'nopass', short: 'n', long: 'no_passphrase', help: "Don't prompt for passphrase" },
  CREDNAME_OPTION,
  { name: 'limited', short: 'L', long: 'limited', help: 'Store a limited proxy' },
  JSON_OPTION,
];
export const INIT_USAGE = usage('init', '[-c #hours] [-t #hours] [-l username] [-r retrievers] [-R renewers] ...', OPTIONS);

/** The leaf first: the certificate that issued none of the others. */
function leafFirst(certificates: Uint8Array[]): Uint8Array[] {
  const described = certificates.map((der) => ({ der, ...describeCertificate(der) }));
  const leaf = described.find((c) => !described.some((other) => other !== c && other.issuer === c.subject)) ?? described[0]!;
  return [leaf.der, ...described.filter((c) => c !== leaf).map((c) => c.der)];
}

async function loadPkcs12(file: string, context: CommandContext, fromStdin: boolean): Promise<LoadedCredential> {
  const { readPkcs12 } = await import('../../shared/pki/pkcs12-read.js');
  const bytes = await fs.readFile(file).catch((cause: Error) => {
    throw new MyProxyWebError('BAD_INPUT', `cannot read ${file}: ${cause.message}`, { cause });
  });
  const password = await askPassPhrase(context, `Enter the password of ${file}:`, fromStdin);
  const contents = await readPkcs12(new Uint8Array(bytes), password);
  const chain = leafFirst(contents.certificates);
  const leaf = describeCertificate(chain[0]!);
  const privateKey = await importRsaSigningKey(contents.privateKeyInfo, true);
  return { chain, privateKey, pkcs8: contents.privateKeyInfo, subject: leaf.subject, notAfter: leaf.notAfter, certPath: file, keyPath: file };
}

async function readNewPassphrase(context: CommandContext, fromStdin: boolean): Promise<string> {
  const passphrase = await askPassPhrase(context, 'Enter MyProxy pass phrase:', fromStdin);
  try {
    checkNewPassphrase(passphrase);
  } catch {
    throw new MyProxyWebError('BAD_INPUT', 'Passphrase must be at least 6 characters long.');
  }
  if (!fromStdin && (context.stdin as NodeJS.ReadStream).isTTY) {
    const again = await askPassPhrase(context, 'Verifying - Enter MyProxy pass phrase:', false);
    if (again !== passphrase) throw new MyProxyWebError('BAD_INPUT', 'Pass phrases do not match.');
  }
  return passphrase;
}

/** C ctime() form, as myproxy-init prints it: `Sun Nov 22 10:55:21 2026` (local time). */
export function ctime(date: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[date.getDay()]} ${months[date.getMonth()]} ${String(date.getDate()).padStart(2, ' ')} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${date.getFullYear()}`;
}

export async function runInit(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = parseCommand(argv, OPTIONS, 'init', INIT_USAGE, context);
  if (!options) return 0;
  const env = context.env;
  const username = usernameOf(options, env);
  const credHours = parseHours(stringOption(options, 'credLifetime') ?? '168', '-c');
  const maxHours = parseHours(stringOption(options, 'lifetime') ?? '12', '-t');
  const policy = policyFromOptions(options);
  const fromStdin = options.has('stdin');
  const noPassphrase = options.has('nopass');
  if (noPassphrase && fromStdin) throw new MyProxyWebError('BAD_INPUT', '-n and -S cannot be used together');
  if (noPassphrase && !policy.renewers && !policy.trustedRetrievers) {
    throw new MyProxyWebError('BAD_INPUT', '-n needs a renewer (-R/-A) or a trusted retriever (-Z): nobody could retrieve the credential otherwise');
  }
  const pkcs12 = stringOption(options, 'pkcs12');
  if (pkcs12 !== undefined && (options.has('certfile') || options.has('keyfile'))) throw new MyProxyWebError('BAD_INPUT', '--pkcs12 cannot be combined with -C/-y');
  const passphrase = noPassphrase ? '' : await readNewPassphrase(context, fromStdin);
  putRequestBytes({ username, passphrase, maxDelegationSeconds: Math.round(maxHours * 3600), ...credentialNameOf(options), policy }); // BAD_INPUT before any connection
  const defaults = defaultUserCertFiles(env);
  const credential = pkcs12 !== undefined
    ? await loadPkcs12(pkcs12, context, fromStdin)
    : await loadCredentialFiles(stringOption(options, 'certfile') ?? defaults.cert, stringOption(options, 'keyfile') ?? defaults.key, context, fromStdin);
  const json = options.has('json');
  if (!json) context.stdout.write(`Your identity: ${credential.subject}\n`);
  const name = credentialNameOf(options);
  const { result, server } = await runOnServer(context, options, 'PUT', credential, (tls) =>
    putCredential(
      tls,
      { username, passphrase, maxDelegationSeconds: Math.round(maxHours * 3600), ...name, policy },
      credential,
      { proxyLifetimeSeconds: Math.round(credHours * 3600), ...(options.has('limited') ? { limited: true } : {}) },
    ),
  );
  credential.pkcs8.fill(0);
  const proxy = describeCertificate(result.proxy);
  if (json) {
    context.stdout.write(`${JSON.stringify({ username, credentialName: name.credentialName ?? null, subject: proxy.subject, notAfter: proxy.notAfter.toISOString(), server: serverHost(server) })}\n`);
  } else {
    context.stdout.write(`Your proxy is valid until: ${ctime(proxy.notAfter)}\n`);
    context.stdout.write(`A proxy valid for ${Math.round(credHours)} hours (${(credHours / 24).toFixed(1)} days) for user ${username} now exists on ${serverHost(server)}.\n`);
  }
  return 0;
}
