/**
 * `npm run demo`: the demo on loopback. Starts a real myproxy-server with a throwaway CA and a
 * stored credential, the bridge and the page server (test/fixtures/demo-stack.ts), prints the
 * page URL with the user name and pass phrase to type in, and runs until Ctrl-C (SIGINT) or
 * SIGTERM, then stops everything.
 *
 * PORT sets the page's port on 127.0.0.1 (default 5173); the bridge takes a free port.
 * MAX_TLS=1.2 caps the MyProxy server at TLS 1.2. BRIDGE_LOG=1 prints the bridge's log records.
 */
import { startDemoStack } from '../test/fixtures/demo-stack.js';

const DEFAULT_PORT = 5173;

function parsePort(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo: PORT must be a port number, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const pagePort = parsePort(process.env['PORT']);
  const maxTls = process.env['MAX_TLS'];
  if (maxTls !== undefined && maxTls !== '1.2' && maxTls !== '1.3') {
    console.error(`demo: MAX_TLS must be 1.2 or 1.3, got ${JSON.stringify(maxTls)}`);
    process.exit(2);
  }
  console.log('Starting myproxy-server, the bridge and the page server…');
  const stack = await startDemoStack({
    pagePort,
    ...(maxTls ? { maxTls } : {}),
    ...(process.env['BRIDGE_LOG'] ? { bridgeLog: (record) => console.log(`bridge: ${JSON.stringify(record)}`) } : {}),
  });

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    try {
      await stack.stop();
      console.log('Stopped.');
      process.exit(0);
    } catch (error) {
      console.error(`demo: stopping failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  console.log(`
myproxy-web demo is running.

  Page:         ${stack.pageUrl}
  Username:     ${stack.username}
  Pass phrase:  ${stack.passphrase}

  MyProxy server: ${stack.server.serverName} = ${stack.server.host}:${stack.server.port} (test CA: ${stack.server.caCertPath})
  Bridge:         ${stack.bridgeUrl} (accepts origin ${stack.origin} only)

Open the page in a browser on this machine, type the pass phrase and press "Get credential".
Press Ctrl-C to stop.
`);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
