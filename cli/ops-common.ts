/**
 * What the credential-management commands (info, destroy, change-pass-phrase, store, retrieve,
 * init) share: the native tools' common flags, the user name, and one authenticated MyProxy
 * connection per server tried (cli/server-session.ts), with the client credential as the TLS
 * client certificate.
 */
import { MyProxyWebError } from '../shared/errors.js';
import { withMyProxyConnection } from '../shared/myproxy/session.js';
import type { ClientCertificate, TlsConnection } from '../shared/tls/index.js';
import { formatOptionsHelp, parseOptions, stringOption, type OptionSpec, type ParsedOptions } from './args.js';
import type { CommandContext } from './context.js';
import { describeServer, runAgainstServers } from './server-session.js';
import { resolveServers, type ServerAddress } from './servers.js';

export const HELP_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', long: 'help', help: 'Displays usage' },
  { name: 'usage', short: 'u', long: 'usage', help: 'Displays usage' },
  { name: 'verbose', short: 'v', long: 'verbose', help: 'Display debugging messages' },
  { name: 'version', short: 'V', long: 'version', help: 'Displays version' },
];
export const SERVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'host', short: 's', long: 'pshost', value: 'hostname', help: 'Hostname(s) of the myproxy-server, host[:port][,host2[:port]]' },
  { name: 'port', short: 'p', long: 'psport', value: 'port #', help: 'Port of the myproxy-server (default 7512)' },
];
export const USERNAME_OPTION: OptionSpec = { name: 'username', short: 'l', long: 'username', value: 'username', help: 'Username for the delegated proxy (default $LOGNAME)' };
export const CREDNAME_OPTION: OptionSpec = { name: 'credname', short: 'k', long: 'credname', value: 'name', help: 'Specifies credential name' };
export const JSON_OPTION: OptionSpec = { name: 'json', long: 'json', help: 'Print the result as JSON on standard output' };

export const CREDENTIAL_ENVIRONMENT = `   Client credential: $X509_USER_PROXY, else $X509_USER_CERT and $X509_USER_KEY, else
   /tmp/x509up_u<uid>, else ~/.globus/usercert.pem and ~/.globus/userkey.pem.
   Environment: MYPROXY_SERVER, MYPROXY_SERVER_PORT, MYPROXY_SOCKET_TIMEOUT (seconds),
   MYPROXY_SERVER_DN (exact server DN), X509_CERT_DIR (trusted CAs), LOGNAME.`;

export function usage(command: string, synopsis: string, specs: readonly OptionSpec[], extra = CREDENTIAL_ENVIRONMENT): string {
  return `
Syntax: myproxy-web ${command} ${synopsis}
        myproxy-web ${command} [-usage|-help] [-version]

   Options
${formatOptionsHelp(specs)}

${extra}
`;
}

/** Parses argv; returns undefined after printing help or version (exit 0). */
export function parseCommand(argv: readonly string[], specs: readonly OptionSpec[], command: string, help: string, context: CommandContext): ParsedOptions | undefined {
  const { options, operands } = parseOptions(argv, specs);
  if (options.has('help') || options.has('usage')) {
    context.stdout.write(help);
    return undefined;
  }
  if (options.has('version')) {
    context.stdout.write(`myproxy-web ${command} version ${context.version} (MYPROXYv2)\n`);
    return undefined;
  }
  if (operands.length > 0) throw new MyProxyWebError('BAD_INPUT', `unexpected argument "${operands[0]}"`);
  return options;
}

export function usernameOf(options: ParsedOptions, env: NodeJS.ProcessEnv): string {
  const username = stringOption(options, 'username') ?? env.LOGNAME ?? env.USER;
  if (!username) throw new MyProxyWebError('BAD_INPUT', 'no username given: use -l username or set LOGNAME');
  return username;
}

export function credentialNameOf(options: ParsedOptions): { credentialName?: string } {
  const name = stringOption(options, 'credname');
  return name === undefined ? {} : { credentialName: name };
}

/** A server's refusal, framed as the native tools print it. */
export function serverFailure(error: MyProxyWebError, server: ServerAddress): MyProxyWebError {
  if (error.code === 'MYPROXY_REJECTED' || error.code === 'MYPROXY_AUTH_FAILED') {
    return new MyProxyWebError(error.code, `ERROR from myproxy-server (${describeServer(server)}):\n${error.message}`, { cause: error });
  }
  return error;
}

/**
 * Runs `command` on one authenticated connection (tries each -s server in turn while connecting
 * fails), with `clientCertificate` presented when the server asks.
 */
export async function runOnServer<T>(
  context: CommandContext,
  options: ParsedOptions,
  what: string,
  clientCertificate: ClientCertificate | undefined,
  command: (tls: TlsConnection) => Promise<T>,
): Promise<{ result: T; server: ServerAddress }> {
  const servers = resolveServers(stringOption(options, 'host'), stringOption(options, 'port'), context.env);
  return runAgainstServers(
    { context, servers, bootstrap: false, bootstrapIfNoTrustDirectory: false, verbose: options.has('verbose'), describeFailure: serverFailure },
    (target) =>
      withMyProxyConnection(
        {
          openTransport: target.openTransport,
          serverName: target.serverName,
          trustRoots: target.trustRoots,
          ...(target.checkIdentity ? { checkIdentity: target.checkIdentity } : {}),
          ...(clientCertificate ? { tls: { clientCertificate } } : {}),
        },
        what,
        command,
      ),
  );
}

/** The server host as the native tools name it in messages (the -s value, without the port). */
export function serverHost(server: ServerAddress): string {
  return server.host;
}
