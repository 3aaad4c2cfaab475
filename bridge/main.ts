/**
 * The `myproxy-bridge` command: read flags, environment and config file, start the bridge,
 * print the listening line, and handle signals:
 *   SIGTERM/SIGINT  stop accepting, give tunnels --shutdown-timeout to finish, close the
 *                   rest with 4005, exit 0 (a second signal exits 1 at once);
 *   SIGHUP          re-read the TLS certificate and key (logged; the old pair stays on failure).
 * Exit status: 0 after a signal, 1 when the bridge could not start (e.g. address in use,
 * unreadable TLS files), 2 for bad options.
 */
import { isMyProxyWebError } from '../shared/errors.js';
import { describeTargets, formatHostPort } from './config.js';
import { USAGE, parseArgs, type ParsedArgs } from './options.js';
import { startBridge } from './server.js';

async function main(argv: readonly string[]): Promise<void> {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv, process.env);
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
  process.stdout.write(`myproxy-bridge listening on ${bridge.url} -> ${describeTargets(config)}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1); // second signal: don't wait for tunnels
    stopping = true;
    bridge.close({ drainMs: config.shutdownTimeoutMs }).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`myproxy-bridge: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => {
    if (!config.tls) return; // nothing to reload; never die of a stray SIGHUP
    bridge.reloadTls().catch(() => {}); // logged as tls_reload_failed; the old pair stays
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`myproxy-bridge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
