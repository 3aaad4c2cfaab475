/**
 * What every myproxy-web command does around its MyProxy exchange, as the native tools do it
 * (myproxy_bootstrap_client in myproxy.c): pick the trust roots, try each server of
 * `-s host1,host2` in turn while connecting fails, and bootstrap trust with -b
 * (../shared/docs/myproxy-protocol.md §3.4): when there is no trust directory at all (with -T,
 * -b or get-trustroots), or when the server's CA is not trusted and -b was given.
 */
import { MyProxyWebError } from '../shared/errors.js';
import { bootstrapTrust, bootstrapTrustFiles } from '../shared/myproxy/bootstrap.js';
import { checkExactServerDn } from '../shared/pki/identity.js';
import type { ByteChannel } from '../shared/transport/channel.js';
import type { CommandContext } from './context.js';
import type { ServerAddress } from './servers.js';
import { connectTcp } from './tcp-channel.js';
import { existingTrustDirectory, installTrustFiles, trustWriteTarget } from './trust-install.js';
import { loadTrustRoots } from './trust-store.js';

export interface ServerTarget {
  server: ServerAddress;
  openTransport: () => Promise<ByteChannel>;
  serverName: string;
  trustRoots: Uint8Array[];
  checkIdentity?: (leafDer: Uint8Array, serverName: string) => void;
}

export interface ServerRunOptions {
  context: CommandContext;
  servers: readonly ServerAddress[];
  /** -b: trust the server's CA from its own chain when it is not trusted yet. */
  bootstrap: boolean;
  /** -T, and myproxy-get-trustroots: bootstrap when no trust directory exists at all. */
  bootstrapIfNoTrustDirectory: boolean;
  verbose: boolean;
  /** Wraps a failure that ends the command, e.g. in myproxy-logon's "Failed to receive credentials." frame. */
  describeFailure?: (error: MyProxyWebError, server: ServerAddress) => MyProxyWebError;
}

export function describeServer(server: ServerAddress): string {
  return `${server.host}:${server.port}`;
}

/** MYPROXY_SOCKET_TIMEOUT, in ms; default 10 s. */
export function socketTimeoutMs(env: NodeJS.ProcessEnv): number {
  const text = env.MYPROXY_SOCKET_TIMEOUT;
  if (text === undefined || text === '') return 10_000;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new MyProxyWebError('BAD_INPUT', `MYPROXY_SOCKET_TIMEOUT must be a positive number of seconds, not "${text}"`);
  return Number(text) * 1000;
}

/** Chain failures that -b answers by trusting the server's CA (the C client: "Can't get the local trusted CA certificate"). */
const BOOTSTRAP_CODES = new Set(['CERT_UNTRUSTED', 'CERT_INCOMPLETE_CHAIN', 'CERT_SELF_SIGNED']);

const UNTRUSTED_HINT = "The CA that signed the myproxy-server's certificate is untrusted.\nIf you want to trust the CA, re-run with the -b option.";

function codeOf(error: unknown): string {
  return error instanceof MyProxyWebError ? error.code : 'INTERNAL';
}

/**
 * Bootstraps trust from `target`'s server (no chain validation), installs `<hash>.0` and
 * `<hash>.signing_policy` into the write target, reports each CA with its SHA-256 fingerprint on
 * standard error (even with -q, as the native tools do), and returns the CA certificates.
 */
async function bootstrapFrom(target: Omit<ServerTarget, 'trustRoots'>, context: CommandContext): Promise<Uint8Array[]> {
  const err = context.stderr;
  err.write('Bootstrapping MyProxy server root of trust.\n');
  const result = await bootstrapTrust({ openTransport: target.openTransport, serverName: target.serverName });
  const directory = trustWriteTarget(context.env);
  await installTrustFiles(directory, bootstrapTrustFiles(result), { log: false });
  err.write(`New trusted MyProxy server: ${result.serverSubject}\n`);
  for (const ca of result.cas) {
    err.write(`New trusted CA (${ca.subjectHash}.0): ${ca.subject}\n`);
    err.write(`  SHA-256 fingerprint: ${ca.sha256Fingerprint}\n`);
  }
  return result.cas.map((ca) => ca.der);
}

/**
 * Runs `attempt` against each server in order until one answers; connection failures
 * (TRANSPORT_CONNECT_FAILED, TRANSPORT_TIMEOUT) move on to the next server, anything else ends the
 * command. Returns the result and the server that gave it.
 */
export async function runAgainstServers<T>(options: ServerRunOptions, attempt: (target: ServerTarget) => Promise<T>): Promise<{ result: T; server: ServerAddress }> {
  const { context, servers } = options;
  const env = context.env;
  const connectTimeoutMs = socketTimeoutMs(env);
  const checkIdentity = env.MYPROXY_SERVER_DN ? checkExactServerDn(env.MYPROXY_SERVER_DN) : undefined;
  const fail = (error: unknown, server: ServerAddress): MyProxyWebError => {
    let inner = error instanceof MyProxyWebError ? error : new MyProxyWebError('INTERNAL', String(error), { cause: error });
    if (BOOTSTRAP_CODES.has(inner.code) && !options.bootstrap) inner = new MyProxyWebError(inner.code, `${inner.message}\n${UNTRUSTED_HINT}`, { cause: inner });
    return options.describeFailure ? options.describeFailure(inner, server) : inner;
  };

  let lastError: unknown;
  for (const server of servers) {
    const base: Omit<ServerTarget, 'trustRoots'> = {
      server,
      openTransport: () => connectTcp({ host: server.host, port: server.port, connectTimeoutMs }),
      serverName: server.host,
      ...(checkIdentity ? { checkIdentity } : {}),
    };
    try {
      let trustRoots: Uint8Array[];
      if ((options.bootstrap || options.bootstrapIfNoTrustDirectory) && (await existingTrustDirectory(env)) === undefined) {
        trustRoots = await bootstrapFrom(base, context);
      } else {
        trustRoots = (await loadTrustRoots(env)).roots;
      }
      if (options.verbose) context.stderr.write(`myproxy-web: ${trustRoots.length} trusted CA certificate(s); connecting to ${describeServer(server)}\n`);
      try {
        return { result: await attempt({ ...base, trustRoots }), server };
      } catch (error) {
        if (!(options.bootstrap && BOOTSTRAP_CODES.has(codeOf(error)))) throw error;
        const added = await bootstrapFrom(base, context);
        return { result: await attempt({ ...base, trustRoots: [...trustRoots, ...added] }), server };
      }
    } catch (error) {
      lastError = error;
      const code = codeOf(error);
      if (servers.length > 1 && (code === 'TRANSPORT_CONNECT_FAILED' || code === 'TRANSPORT_TIMEOUT') && server !== servers[servers.length - 1]) {
        context.stderr.write(`Unable to connect to ${describeServer(server)}: ${(error as Error).message}\n`);
        continue;
      }
      throw fail(error, server);
    }
  }
  throw fail(lastError, servers[servers.length - 1]!);
}
