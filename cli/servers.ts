/**
 * Server selection as myproxy-logon does it: `-s host[:port][,host2[:port]...]` or
 * MYPROXY_SERVER, port from `-p` or MYPROXY_SERVER_PORT, default 7512; tried in order.
 */
import { MyProxyWebError } from '../shared/errors.js';
import { parsePort } from './args.js';

export const DEFAULT_MYPROXY_PORT = 7512;

export interface ServerAddress {
  host: string;
  port: number;
}

export function resolveServers(hostOption: string | undefined, portOption: string | undefined, env: NodeJS.ProcessEnv): ServerAddress[] {
  const hosts = hostOption ?? env.MYPROXY_SERVER;
  if (!hosts) throw new MyProxyWebError('BAD_INPUT', 'no MyProxy server given: use -s host or set MYPROXY_SERVER');
  const portText = portOption ?? env.MYPROXY_SERVER_PORT;
  const defaultPort = portText === undefined ? DEFAULT_MYPROXY_PORT : parsePort(portText, portOption ? '-p' : 'MYPROXY_SERVER_PORT');
  return hosts.split(',').map((entry) => parseServer(entry.trim(), defaultPort));
}

function parseServer(entry: string, defaultPort: number): ServerAddress {
  // [v6::addr]:port, host:port, or a bare host / IPv6 address.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? parsePort(bracketed[2], 'server port') : defaultPort };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = entry.split(':') as [string, string];
    return { host: checkHost(host), port: parsePort(port, 'server port') };
  }
  return { host: checkHost(entry), port: defaultPort };
}

function checkHost(host: string): string {
  if (!host || /[\s/\\]/.test(host)) throw new MyProxyWebError('BAD_INPUT', `invalid MyProxy server name "${host}"`);
  return host;
}
