/**
 * `myproxy-web logon` (alias `get-delegation`): the native myproxy-logon on our own TLS
 * and MyProxy code. Flags and environment follow myproxy-logon
 * (../shared/docs/myproxy-protocol.md §5.1); the output file follows §4.4.
 */
import os from 'node:os';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon } from '../../shared/myproxy/client.js';
import { credentialToPem } from '../../shared/pki/credential.js';
import { checkExactServerDn } from '../../shared/pki/identity.js';
import { formatOptionsHelp, parseHours, parseOptions, stringOption, type OptionSpec } from '../args.js';
import { writeFileAtomic0600 } from '../files.js';
import { promptPassPhrase, readPassPhraseFromStdin } from '../pass-phrase.js';
import { resolveServers, type ServerAddress } from '../servers.js';
import { connectTcp } from '../tcp-channel.js';
import { loadTrustRoots } from '../trust-store.js';
import type { CommandContext } from '../context.js';

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
  { name: 'quiet', short: 'q', long: 'quiet', help: 'Only output on error' },
];

export const LOGON_USAGE = `
Syntax: myproxy-web logon [-t hours] [-l username] ...
        myproxy-web logon [-usage|-help] [-version]

   Options
${formatOptionsHelp(OPTIONS)}

   Environment: MYPROXY_SERVER, MYPROXY_SERVER_PORT, MYPROXY_SOCKET_TIMEOUT (seconds),
   MYPROXY_SERVER_DN (exact server DN),
   X509_CERT_DIR (trusted CAs), X509_USER_PROXY (output file), LOGNAME.
`;

export async function runLogon(argv: readonly string[], context: CommandContext): Promise<number> {
  const { options } = parseOptions(argv, OPTIONS);
  if (options.has('help') || options.has('usage')) {
    context.stdout.write(LOGON_USAGE);
    return 0;
  }
  if (options.has('version')) {
    context.stdout.write(`myproxy-web logon version ${context.version} (MYPROXYv2)\n`);
    return 0;
  }
  const env = context.env;
  const servers = resolveServers(stringOption(options, 'host'), stringOption(options, 'port'), env);
  const username = stringOption(options, 'username') ?? env.LOGNAME ?? env.USER;
  if (!username) throw new MyProxyWebError('BAD_INPUT', 'no username given: use -l username or set LOGNAME');
  const lifetimeHours = parseHours(stringOption(options, 'lifetime') ?? '12', '-t');
  const outPath = stringOption(options, 'out') ?? env.X509_USER_PROXY ?? `/tmp/x509up_u${os.userInfo().uid}`;
  const quiet = options.has('quiet') || outPath === '-';
  const verbose = options.has('verbose');
  const connectTimeoutMs = socketTimeoutMs(env);
  const { roots } = await loadTrustRoots(env);

  const passphrase = options.has('stdin')
    ? await readPassPhraseFromStdin(context.stdin)
    : await promptPassPhrase('Enter MyProxy pass phrase:');

  let lastError: unknown;
  for (const server of servers) {
    try {
      const credential = await logon({
        openTransport: () => connectTcp({ host: server.host, port: server.port, connectTimeoutMs }),
        serverName: server.host,
        trustRoots: roots,
        // MYPROXY_SERVER_DN overrides the host-name rules (../shared/docs/myproxy-protocol.md §3.1).
        ...(env.MYPROXY_SERVER_DN ? { checkIdentity: checkExactServerDn(env.MYPROXY_SERVER_DN) } : {}),
        username,
        passphrase,
        lifetimeSeconds: Math.round(lifetimeHours * 3600),
        ...(stringOption(options, 'credname') !== undefined ? { credentialName: stringOption(options, 'credname')! } : {}),
        onProgress: (step) => {
          if (verbose) context.stderr.write(`myproxy-web: ${step} (${describe(server)})\n`);
        },
      });
      const pem = await credentialToPem(credential);
      if (outPath === '-') context.stdout.write(pem);
      else await writeFileAtomic0600(outPath, pem);
      if (!quiet) context.stdout.write(`A credential has been received for user ${username} in ${outPath}.\n`);
      return 0;
    } catch (error) {
      lastError = error;
      // Fail over only for connection problems; a server's verdict is final.
      const code = error instanceof MyProxyWebError ? error.code : 'INTERNAL';
      if (servers.length > 1 && (code === 'TRANSPORT_CONNECT_FAILED' || code === 'TRANSPORT_TIMEOUT')) {
        context.stderr.write(`Unable to connect to ${describe(server)}: ${(error as Error).message}\n`);
        continue;
      }
      throw new LogonFailure(error, server);
    }
  }
  throw new LogonFailure(lastError, servers[servers.length - 1]!);
}

/** A failed logon, reported the way myproxy-logon reports it, with our stable code. */
class LogonFailure extends MyProxyWebError {
  constructor(cause: unknown, server: ServerAddress) {
    const inner = cause instanceof MyProxyWebError ? cause : new MyProxyWebError('INTERNAL', String(cause));
    const fromServer = inner.code === 'MYPROXY_AUTH_FAILED' || inner.code === 'MYPROXY_REJECTED';
    const detail = fromServer ? `ERROR from myproxy-server (${describe(server)}):\n${inner.message}` : inner.message;
    super(inner.code, `Failed to receive credentials.\n${detail}`, { cause });
  }
}

function describe(server: ServerAddress): string {
  return `${server.host}:${server.port}`;
}

function socketTimeoutMs(env: NodeJS.ProcessEnv): number {
  const text = env.MYPROXY_SOCKET_TIMEOUT;
  if (text === undefined || text === '') return 10_000;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new MyProxyWebError('BAD_INPUT', `MYPROXY_SOCKET_TIMEOUT must be a positive number of seconds, not "${text}"`);
  return Number(text) * 1000;
}
