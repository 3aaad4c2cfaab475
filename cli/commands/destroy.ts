/** `myproxy-web destroy`: myproxy-destroy (protocol notes §2.3 DESTROY, §5.2); owner only. */
import { destroyCredential, destroyRequestBytes } from '../../shared/myproxy/destroy.js';
import type { OptionSpec } from '../args.js';
import { loadClientCredential } from '../client-credential.js';
import type { CommandContext } from '../context.js';
import { CREDNAME_OPTION, credentialNameOf, HELP_OPTIONS, JSON_OPTION, parseCommand, runOnServer, SERVER_OPTIONS, usage, USERNAME_OPTION, usernameOf } from '../ops-common.js';

const OPTIONS: readonly OptionSpec[] = [...HELP_OPTIONS, USERNAME_OPTION, ...SERVER_OPTIONS, CREDNAME_OPTION, JSON_OPTION];
export const DESTROY_USAGE = usage('destroy', '[-l username] ...', OPTIONS);

export async function runDestroy(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = parseCommand(argv, OPTIONS, 'destroy', DESTROY_USAGE, context);
  if (!options) return 0;
  const username = usernameOf(options, context.env);
  const name = credentialNameOf(options);
  destroyRequestBytes({ username, ...name }); // BAD_INPUT before any connection
  const credential = await loadClientCredential(context, 'myproxy-web destroy');
  await runOnServer(context, options, 'DESTROY', credential, (tls) => destroyCredential(tls, { username, ...name }));
  if (options.has('json')) context.stdout.write(`${JSON.stringify({ username, credentialName: name.credentialName ?? null, destroyed: true })}\n`);
  else if (name.credentialName !== undefined) context.stdout.write(`MyProxy credential '${name.credentialName}' for user ${username} was successfully removed.\n`);
  else context.stdout.write(`Default MyProxy credential for user ${username} was successfully removed.\n`);
  return 0;
}
