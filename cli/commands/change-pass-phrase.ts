/**
 * `myproxy-web change-pass-phrase`: myproxy-change-pass-phrase (protocol notes §2.1 CHPW, §5.2).
 * Reads the current pass phrase, then the new one (twice on a terminal; with -S one line each).
 */
import { MyProxyWebError } from '../../shared/errors.js';
import { changePassphrase, changePassphraseRequestBytes } from '../../shared/myproxy/change-passphrase.js';
import { checkNewPassphrase } from '../../shared/myproxy/command.js';
import type { OptionSpec } from '../args.js';
import { askPassPhrase, loadClientCredential } from '../client-credential.js';
import type { CommandContext } from '../context.js';
import { CREDNAME_OPTION, credentialNameOf, HELP_OPTIONS, JSON_OPTION, parseCommand, runOnServer, SERVER_OPTIONS, usage, usernameOf } from '../ops-common.js';

const OPTIONS: readonly OptionSpec[] = [
  ...HELP_OPTIONS,
  { name: 'username', short: 'l', long: 'username', value: 'username', help: 'Username for the target proxy' },
  ...SERVER_OPTIONS,
  CREDNAME_OPTION,
  { name: 'stdin', short: 'S', long: 'stdin_pass', help: 'Read pass phrase from stdin' },
  JSON_OPTION,
];
export const CHANGE_USAGE = usage('change-pass-phrase', '[-l username] [-k credname] ...', OPTIONS);

export async function runChangePassPhrase(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = parseCommand(argv, OPTIONS, 'change-pass-phrase', CHANGE_USAGE, context);
  if (!options) return 0;
  const username = usernameOf(options, context.env);
  const fromStdin = options.has('stdin');
  const credential = await loadClientCredential(context, 'myproxy-web change-pass-phrase');
  const oldPassphrase = await askPassPhrase(context, 'Enter (current) MyProxy pass phrase:', fromStdin);
  const newPassphrase = await askPassPhrase(context, 'Enter new MyProxy pass phrase:', fromStdin);
  try {
    checkNewPassphrase(newPassphrase);
  } catch {
    throw new MyProxyWebError('BAD_INPUT', 'Passphrase must be at least 6 characters long.');
  }
  if (!fromStdin && (context.stdin as NodeJS.ReadStream).isTTY) {
    const again = await askPassPhrase(context, 'Verifying - Enter new MyProxy pass phrase:', false);
    if (again !== newPassphrase) throw new MyProxyWebError('BAD_INPUT', 'Pass phrases do not match.');
  }
  const name = credentialNameOf(options);
  changePassphraseRequestBytes({ username, oldPassphrase, newPassphrase, ...name }); // BAD_INPUT before any connection
  await runOnServer(context, options, 'CHANGE_CRED_PASSPHRASE', credential, (tls) => changePassphrase(tls, { username, oldPassphrase, newPassphrase, ...name }));
  if (options.has('json')) context.stdout.write(`${JSON.stringify({ username, credentialName: name.credentialName ?? null, changed: true })}\n`);
  else context.stdout.write('Pass phrase changed.\n');
  return 0;
}
