/**
 * The `myproxy-bridge` command: parse flags, start the bridge, print the listening line,
 * stop cleanly on SIGTERM/SIGINT. Exit status: 0 after a signal, 1 when the bridge could
 * not start (e.g. address in use), 2 for bad flags.
 */
import { isMyProxyWebError } from '../shared/errors.js';
import { USAGE, formatHostPort, parseArgs, type ParsedArgs } from './config.js';
import { startBridge } from './server.js';

async function main(argv: readonly string[]): Promise<void> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (!isMyProxyWebError(err) || err.code !== 'BAD_INPUT') throw err;
    process.stderr.write(`myproxy-bridge: ${err.message}\nRun 'myproxy-bridge --help' for usage.\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const { config } = parsed;

  let bridge;
  try {
    bridge = await startBridge(config);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    process.stderr.write(`myproxy-bridge: cannot listen on ${formatHostPort(config.listen)}: ${detail}\n`);
    process.exit(1);
  }
  process.stdout.write(`myproxy-bridge listening on ${bridge.url} -> ${formatHostPort(config.target)}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1); // second signal: don't wait for tunnels
    stopping = true;
    bridge.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`myproxy-bridge: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`myproxy-bridge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
