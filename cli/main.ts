/**
 * The `myproxy-web` command: MyProxy client commands with the native tools' names and flags.
 * Exit status: 0 on success, 1 on any failure (as the native tools do).
 */
import { readFileSync } from 'node:fs';
import { MyProxyWebError } from '../shared/errors.js';
import type { CommandContext } from './context.js';
import { startDefaultKeyGeneration } from './key-prewarm.js';
type Command = (argv: readonly string[], context: CommandContext) => Promise<number>;

/** Each command's module is imported only when it runs: start-up loads no PKI or TLS code for the others. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  logon: async () => (await import('./commands/logon.js')).runLogon,
  'get-delegation': async () => (await import('./commands/logon.js')).runLogon,
  'get-trustroots': async () => (await import('./commands/get-trustroots.js')).runGetTrustRoots,
  init: async () => (await import('./commands/init.js')).runInit,
  store: async () => (await import('./commands/store.js')).runStore,
  retrieve: async () => (await import('./commands/retrieve.js')).runRetrieve,
  info: async () => (await import('./commands/info.js')).runInfo,
  destroy: async () => (await import('./commands/destroy.js')).runDestroy,
  'change-pass-phrase': async () => (await import('./commands/change-pass-phrase.js')).runChangePassPhrase,
};

const USAGE = `Usage: myproxy-web <command> [options]

Commands:
  logon            Retrieve a credential from a myproxy-server (alias: get-delegation)
  get-trustroots   Install the myproxy-server's trusted CA certificates
  init             Store a proxy of your credential on a myproxy-server (myproxy-init)
  store            Store your end-entity credential as it is (myproxy-store)
  retrieve         Retrieve a stored end-entity credential (myproxy-retrieve)
  info             Show your stored credentials (myproxy-info)
  destroy          Remove a stored credential (myproxy-destroy)
  change-pass-phrase  Change a stored credential's pass phrase (myproxy-change-pass-phrase)

Run 'myproxy-web <command> --help' for a command's options.
`;

/** The version in package.json, found from both cli/ (tsx) and build/cli/ (compiled). */
export function packageVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'myproxy-web' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

export async function main(argv: readonly string[], context: CommandContext): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    context.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  if (name === '-V' || name === '--version') {
    context.stdout.write(`myproxy-web ${context.version}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    context.stderr.write(`myproxy-web: unknown command "${name}"\n\n${USAGE}`);
    return 1;
  }
  try {
    if (name === 'logon' || name === 'get-delegation') startDefaultKeyGeneration(rest, context.env);
    const command = await load();
    return await command(rest, context);
  } catch (error) {
    context.stderr.write(formatFailure(error));
    return 1;
  }
}

/** One clear message with its stable code; the server's own text is passed through unchanged. */
export function formatFailure(error: unknown): string {
  if (error instanceof MyProxyWebError) {
    const text = error.message.startsWith('Failed to receive credentials.') ? error.message : `myproxy-web: ${error.message}`;
    return `${text}\n[${error.code}]\n`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `myproxy-web: internal error: ${message}\n[INTERNAL]\n`;
}
