/**
 * `myproxy-web get-trustroots`: myproxy-get-trustroots on our own TLS and MyProxy code
 * (../shared/docs/myproxy-protocol.md §2.3 GET_TRUSTROOTS, §3.3, §3.4, §5.2): downloads the
 * server's trusted CA files and installs them into the trust directory.
 */
import { MyProxyWebError } from '../../shared/errors.js';
import { getTrustRoots } from '../../shared/myproxy/trustroots.js';
import { formatOptionsHelp, parseOptions, stringOption, type OptionSpec } from '../args.js';
import type { CommandContext } from '../context.js';
import { resolveServers } from '../servers.js';
import { describeServer, runAgainstServers } from '../server-session.js';
import { displayDirectory, installableTrustRoots, installTrustFiles, trustWriteTarget } from '../trust-install.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', long: 'help', help: 'Displays usage' },
  { name: 'usage', short: 'u', long: 'usage', help: 'Displays usage' },
  { name: 'verbose', short: 'v', long: 'verbose', help: 'Display progress messages' },
  { name: 'version', short: 'V', long: 'version', help: 'Displays version' },
  { name: 'host', short: 's', long: 'pshost', value: 'hostname', help: 'Hostname(s) of the myproxy-server, host[:port][,host2[:port]]' },
  { name: 'port', short: 'p', long: 'psport', value: 'port #', help: 'Port of the myproxy-server (default 7512)' },
  { name: 'quiet', short: 'q', long: 'quiet', help: 'Only output on error' },
  { name: 'bootstrap', short: 'b', long: 'bootstrap', help: 'Bootstrap trust in myproxy-server (shows the CA fingerprint)' },
  { name: 'json', long: 'json', help: 'Print the result as JSON on standard output' },
];

export const GET_TRUSTROOTS_USAGE = `
Syntax: myproxy-web get-trustroots [-s server] [-p port]...
        myproxy-web get-trustroots [-usage|-help] [-version]

   Options
${formatOptionsHelp(OPTIONS)}

   Files go to $X509_CERT_DIR, else /etc/grid-security/certificates (root),
   else ~/.globus/certificates. File names from the server that are not plain
   names ('/', '..', leading '.', control characters) are skipped with a warning.

   Environment: MYPROXY_SERVER, MYPROXY_SERVER_PORT, MYPROXY_SOCKET_TIMEOUT (seconds),
   MYPROXY_SERVER_DN (exact server DN), X509_CERT_DIR, HOME.
`;

export async function runGetTrustRoots(argv: readonly string[], context: CommandContext): Promise<number> {
  const { options, operands } = parseOptions(argv, OPTIONS);
  if (options.has('help') || options.has('usage')) {
    context.stdout.write(GET_TRUSTROOTS_USAGE);
    return 0;
  }
  if (options.has('version')) {
    context.stdout.write(`myproxy-web get-trustroots version ${context.version} (MYPROXYv2)\n`);
    return 0;
  }
  if (operands.length > 0) throw new MyProxyWebError('BAD_INPUT', `unexpected argument "${operands[0]}"`);
  const env = context.env;
  const servers = resolveServers(stringOption(options, 'host'), stringOption(options, 'port'), env);
  const json = options.has('json');
  const quiet = options.has('quiet') || json;
  const verbose = options.has('verbose');

  const { result: received, server } = await runAgainstServers(
    {
      context,
      servers,
      bootstrap: options.has('bootstrap'),
      bootstrapIfNoTrustDirectory: true,
      verbose,
      describeFailure: (error, failed) =>
        error.code === 'MYPROXY_REJECTED' || error.code === 'MYPROXY_AUTH_FAILED'
          ? new MyProxyWebError(error.code, `ERROR from myproxy-server (${describeServer(failed)}):\n${error.message}`, { cause: error })
          : error,
    },
    (target) => getTrustRoots({ openTransport: target.openTransport, serverName: target.serverName, trustRoots: target.trustRoots, ...(target.checkIdentity ? { checkIdentity: target.checkIdentity } : {}) }),
  );
  const roots = installableTrustRoots(received);
  for (const { name, reason } of roots.skipped) {
    context.stderr.write(`myproxy-web: warning: skipped trust-root file ${JSON.stringify(name)} from ${describeServer(server)}: ${reason}\n`);
  }
  const directory = trustWriteTarget(env);
  if (roots.files.size > 0) await installTrustFiles(directory, roots.files);
  if (verbose) for (const name of roots.files.keys()) context.stderr.write(`myproxy-web: installed ${name}\n`);
  if (json) {
    context.stdout.write(
      `${JSON.stringify({ server: describeServer(server), directory, files: [...roots.files.keys()], skipped: roots.skipped })}\n`,
    );
  } else if (!quiet) {
    context.stdout.write(roots.files.size > 0 ? `Trust roots have been installed in ${displayDirectory(directory)}.\n` : `The server sent no trust roots.\n`);
  }
  return 0;
}
