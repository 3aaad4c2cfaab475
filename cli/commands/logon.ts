/**
 * `myproxy-web logon` (alias `get-delegation`): the native myproxy-logon on our own TLS
 * and MyProxy code. Flags and environment follow myproxy-logon
 * (../shared/docs/myproxy-protocol.md §5.1); the output file follows §4.4; -T and -b follow
 * §3.3 and §3.4.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon, type LogonResult } from '../../shared/myproxy/client.js';
import { logonNoCredentials, logonWithCsr, type IssuedCertificates } from '../../shared/myproxy/logon-variants.js';
import type { TrustRootFiles } from '../../shared/myproxy/trustroots.js';
import { credentialToPem, privateKeyPem } from '../../shared/pki/credential.js';
import { generateRsaKeyPair, KEY_TYPES, type KeyType } from '../../shared/pki/keys.js';
import { pemDecodeAll, pemEncode } from '../../shared/pki/pem.js';
import { formatOptionsHelp, parseHours, parseOptions, stringOption, type OptionSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { writeFileAtomic0600 } from '../files.js';
import { promptPassPhrase, readPassPhraseFromStdin } from '../pass-phrase.js';
import { describeServer, runAgainstServers, type ServerTarget } from '../server-session.js';
import { resolveServers, type ServerAddress } from '../servers.js';
import { loadCredentialFiles } from '../client-credential.js';
import { usernameFromCredential } from '../dn-username.js';
import { takeDefaultKeyPair } from '../key-prewarm.js';
import { displayDirectory, installableTrustRoots, installTrustFiles, trustWriteTarget } from '../trust-install.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', long: 'help', help: 'Displays usage' },
  { name: 'usage', short: 'u', long: 'usage', help: 'Displays usage' },
  { name: 'verbose', short: 'v', long: 'verbose', help: 'Display progress messages' },
  { name: 'version', short: 'V', long: 'version', help: 'Displays version' },
  { name: 'username', short: 'l', long: 'username', value: 'username', help: 'Username for the delegated proxy (default $LOGNAME)' },
  { name: 'lifetime', short: 't', long: 'proxy_lifetime', value: 'hours', help: 'Lifetime of proxies delegated by the server (default 12 hours)' },
  { name: 'out', short: 'o', long: 'out', value: 'path', help: "Location of delegated proxy (use '-' for stdout)" },
  { name: 'host', short: 's', long: 'pshost', value: 'hostname', help: 'Hostname(s) of the myproxy-server, host[:port][,host2[:port]]' },
  { name: 'port', short: 'p', long: 'psport', value: 'port #', help: 'Port of the myproxy-server (default 7512)' },
  { name: 'credname', short: 'k', long: 'credname', value: 'name', help: 'Specify credential name' },
  { name: 'stdin', short: 'S', long: 'stdin_pass', help: 'Read passphrase from stdin' },
  { name: 'trustroots', short: 'T', long: 'trustroots', help: 'Manage trust roots (install the server\'s trusted CAs)' },
  { name: 'bootstrap', short: 'b', long: 'bootstrap', help: 'Bootstrap trust in myproxy-server (shows the CA fingerprint; implies -T)' },
  { name: 'nopass', short: 'n', long: 'no_passphrase', help: "Don't prompt for passphrase" },
  { name: 'dnuser', short: 'd', long: 'dn_as_username', help: 'Use the subject of the authorization credential (or default credential if -a not used) as the default username instead of $LOGNAME' },
  { name: 'authorization', short: 'a', long: 'authorization', value: 'path', help: 'Specify credential to renew (a proxy file; implies -n)' },
  { name: 'nocreds', short: 'N', long: 'no_credentials', help: "Authenticate only. Don't retrieve credentials." },
  { name: 'quiet', short: 'q', long: 'quiet', help: 'Only output on error' },
  { name: 'certreq', short: 'Q', long: 'certreq', value: 'path', help: "Use provided certificate request (PEM; '-' for stdin)" },
  { name: 'keytype', long: 'key-type', value: 'type', help: `Key to generate: ${KEY_TYPES.join(', ')} (default rsa-2048, or MYPROXY_KEYBITS)` },
  { name: 'json', long: 'json', help: 'Print the result as JSON on standard output' },
];

export const LOGON_USAGE = `
Syntax: myproxy-web logon [-t hours] [-l username] ...
        myproxy-web logon [-usage|-help] [-version]

   Options
${formatOptionsHelp(OPTIONS)}

   Environment: MYPROXY_SERVER, MYPROXY_SERVER_PORT, MYPROXY_SOCKET_TIMEOUT (seconds),
   MYPROXY_SERVER_DN (exact server DN), MYPROXY_KEYBITS (RSA key size, default 2048),
   X509_CERT_DIR (trusted CAs), X509_USER_PROXY (output file), LOGNAME.
   With -T/-b, trust roots are installed into $X509_CERT_DIR, else
   /etc/grid-security/certificates (root), else ~/.globus/certificates.
`;

/**
 * The key the command generates: --key-type, else MYPROXY_KEYBITS (RSA), else RSA 2048. A key
 * pair still being generated is passed on as a promise: logon() awaits it only after the handshake.
 */
async function chooseKey(keyTypeOption: string | undefined, env: NodeJS.ProcessEnv): Promise<{ keyType?: KeyType; keyPair?: CryptoKeyPair | Promise<CryptoKeyPair> }> {
  if (keyTypeOption !== undefined) {
    if (!KEY_TYPES.includes(keyTypeOption as KeyType)) {
      throw new MyProxyWebError('BAD_INPUT', `--key-type must be one of ${KEY_TYPES.join(', ')}, not "${keyTypeOption}"`);
    }
    return { keyType: keyTypeOption as KeyType };
  }
  const bits = env.MYPROXY_KEYBITS;
  if (bits === undefined || bits === '') {
    const early = takeDefaultKeyPair();
    return early ? { keyPair: early } : {};
  }
  if (!/^\d+$/.test(bits)) throw new MyProxyWebError('BAD_INPUT', `MYPROXY_KEYBITS must be a number of bits, not "${bits}"`);
  const modulusBits = Number(bits);
  if (modulusBits === 2048 || modulusBits === 3072 || modulusBits === 4096) return { keyType: `rsa-${modulusBits}` as KeyType };
  return { keyPair: await generateRsaKeyPair({ modulusBits, extractable: true }) };
}

/** A PEM (or DER) PKCS#10 request from a file or standard input, as DER. */
async function readCertificateRequest(source: string, context: CommandContext): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    if (source === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of context.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
      bytes = Buffer.concat(chunks);
    } else {
      bytes = await fs.readFile(source);
    }
  } catch (cause) {
    throw new MyProxyWebError('BAD_INPUT', `cannot read the certificate request ${source}: ${(cause as Error).message}`, { cause });
  }
  if (bytes[0] === 0x30) return new Uint8Array(bytes);
  const block = pemDecodeAll(bytes.toString('utf8')).find((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST');
  if (!block) throw new MyProxyWebError('BAD_INPUT', `${source} holds no PEM CERTIFICATE REQUEST`);
  return block.der;
}

function describeJson(username: string, path: string | null, issued: LogonResult | IssuedCertificates): string {
  return `${JSON.stringify({
    username,
    path,
    subject: issued.subject,
    issuer: issued.issuer,
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    isProxy: issued.isProxy,
  })}\n`;
}

export async function runLogon(argv: readonly string[], context: CommandContext): Promise<number> {
  const { options, operands } = parseOptions(argv, OPTIONS);
  if (options.has('help') || options.has('usage')) {
    context.stdout.write(LOGON_USAGE);
    return 0;
  }
  if (options.has('version')) {
    context.stdout.write(`myproxy-web logon version ${context.version} (MYPROXYv2)\n`);
    return 0;
  }
  if (operands.length > 0) throw new MyProxyWebError('BAD_INPUT', `unexpected argument "${operands[0]}"`);
  const env = context.env;
  const servers = resolveServers(stringOption(options, 'host'), stringOption(options, 'port'), env);
  const username =
    stringOption(options, 'username') ??
    (options.has('dnuser') ? await usernameFromCredential(stringOption(options, 'authorization'), env) : (env.LOGNAME ?? env.USER));
  if (!username) throw new MyProxyWebError('BAD_INPUT', 'no username given: use -l username or set LOGNAME');
  const lifetimeHours = parseHours(stringOption(options, 'lifetime') ?? '12', '-t');
  const outPath = stringOption(options, 'out') ?? env.X509_USER_PROXY ?? `/tmp/x509up_u${os.userInfo().uid}`;
  const json = options.has('json');
  const noCredentials = options.has('nocreds');
  if (json && outPath === '-' && !noCredentials) throw new MyProxyWebError('BAD_INPUT', '--json and -o - both use standard output; choose one');
  const quiet = options.has('quiet') || outPath === '-' || json;
  const verbose = options.has('verbose');
  const bootstrap = options.has('bootstrap');
  const trustRootsWanted = options.has('trustroots') || bootstrap;
  const certreqSource = stringOption(options, 'certreq');
  if (certreqSource !== undefined && noCredentials) throw new MyProxyWebError('BAD_INPUT', '-Q and -N cannot be used together');
  if (certreqSource === '-' && options.has('stdin')) throw new MyProxyWebError('BAD_INPUT', '-Q - and -S both read standard input; choose one');
  const keyTypeOption = stringOption(options, 'keytype');
  if (certreqSource !== undefined && keyTypeOption !== undefined) throw new MyProxyWebError('BAD_INPUT', '--key-type has no effect with -Q (the request carries its own key)');
  const key = certreqSource === undefined && !noCredentials ? await chooseKey(keyTypeOption, env) : {};
  const csr = certreqSource !== undefined ? await readCertificateRequest(certreqSource, context) : undefined;

  const authorizationPath = stringOption(options, 'authorization');
  if (authorizationPath !== undefined && (certreqSource !== undefined || noCredentials)) throw new MyProxyWebError('BAD_INPUT', '-a cannot be combined with -Q or -N');
  const renewal = authorizationPath !== undefined ? await loadCredentialFiles(authorizationPath, authorizationPath, context) : undefined;
  const noPassphrase = options.has('nopass') || renewal !== undefined;
  const passphrase = noPassphrase
    ? ''
    : options.has('stdin')
      ? await readPassPhraseFromStdin(context.stdin)
      : await promptPassPhrase('Enter MyProxy pass phrase:');

  // The key block of the output file, exported as soon as the key pair exists (while the server
  // signs) rather than after; only for a key pair made here (the pre-warmed one, MYPROXY_KEYBITS).
  const keyPem = key.keyPair !== undefined ? Promise.resolve(key.keyPair).then((pair) => privateKeyPem(pair.privateKey)) : undefined;
  keyPem?.catch(() => undefined); // awaited only after a successful logon

  const request = (target: ServerTarget) => ({
    openTransport: target.openTransport,
    serverName: target.serverName,
    trustRoots: target.trustRoots,
    ...(target.checkIdentity ? { checkIdentity: target.checkIdentity } : {}),
    username,
    passphrase,
    lifetimeSeconds: Math.round(lifetimeHours * 3600),
    ...(stringOption(options, 'credname') !== undefined ? { credentialName: stringOption(options, 'credname')! } : {}),
    ...(trustRootsWanted ? { trustedCerts: true } : {}),
    ...(noPassphrase ? { noPassphrase: true } : {}),
  });

  const { result, server } = await runAgainstServers(
    {
      context,
      servers,
      bootstrap,
      bootstrapIfNoTrustDirectory: trustRootsWanted,
      verbose,
      describeFailure: (error, failed) => new LogonFailure(error, failed),
    },
    async (target): Promise<{ pem?: string; issued?: LogonResult | IssuedCertificates; trustRoots?: TrustRootFiles }> => {
      if (noCredentials) return logonNoCredentials(request(target));
      if (csr !== undefined) {
        const issued = await logonWithCsr({ ...request(target), csr });
        const pem = [issued.certificate, ...issued.chain].map((der) => pemEncode('CERTIFICATE', der)).join('');
        return { pem, issued, ...(issued.trustRoots ? { trustRoots: issued.trustRoots } : {}) };
      }
      const credential = await logon({
        ...request(target),
        ...key,
        ...(renewal ? { authorization: { chain: renewal.chain, privateKey: renewal.privateKey } } : {}),
        onProgress: (step) => {
          if (verbose) context.stderr.write(`myproxy-web: ${step} (${describeServer(target.server)})\n`);
        },
      });
      return { pem: await credentialToPem(credential, keyPem), issued: credential, ...(credential.trustRoots ? { trustRoots: credential.trustRoots } : {}) };
    },
  );

  // The credential first (as myproxy-logon does), then the trust roots.
  if (result.pem !== undefined) {
    try {
      if (outPath === '-') context.stdout.write(result.pem);
      else await writeFileAtomic0600(outPath, result.pem);
    } catch (error) {
      throw new LogonFailure(error, server);
    }
    if (!quiet) context.stdout.write(`A credential has been received for user ${username} in ${outPath}.\n`);
  }
  if (trustRootsWanted && result.trustRoots) {
    const roots = installableTrustRoots(result.trustRoots);
    for (const { name, reason } of roots.skipped) {
      context.stderr.write(`myproxy-web: warning: skipped trust-root file ${JSON.stringify(name)} from ${describeServer(server)}: ${reason}\n`);
    }
    if (roots.files.size > 0) {
      const directory = trustWriteTarget(env);
      await installTrustFiles(directory, roots.files);
      if (!quiet) context.stdout.write(`Trust roots have been installed in ${displayDirectory(directory)}.\n`);
    }
  }
  if (json) {
    if (result.issued) context.stdout.write(describeJson(username, outPath === '-' ? null : outPath, result.issued));
    else context.stdout.write(`${JSON.stringify({ username, authenticated: true })}\n`);
  }
  return 0;
}

/** A failed logon, reported the way myproxy-logon reports it, with our stable code. */
class LogonFailure extends MyProxyWebError {
  constructor(cause: unknown, server: ServerAddress) {
    const inner = cause instanceof MyProxyWebError ? cause : new MyProxyWebError('INTERNAL', String(cause));
    const fromServer = inner.code === 'MYPROXY_AUTH_FAILED' || inner.code === 'MYPROXY_REJECTED';
    const detail = fromServer ? `ERROR from myproxy-server (${describeServer(server)}):\n${inner.message}` : inner.message;
    super(inner.code, `Failed to receive credentials.\n${detail}`, { cause });
  }
}
