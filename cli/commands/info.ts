/**
 * `myproxy-web info`: myproxy-info (protocol notes §2.2 INFO, §5.2). Needs the owner's
 * credential; prints what the native tool prints.
 */
import { getInfo, infoRequestBytes, type CredentialInfo, type InfoResult } from '../../shared/myproxy/info.js';
import type { OptionSpec } from '../args.js';
import { loadClientCredential } from '../client-credential.js';
import type { CommandContext } from '../context.js';
import { CREDNAME_OPTION, credentialNameOf, HELP_OPTIONS, JSON_OPTION, parseCommand, runOnServer, SERVER_OPTIONS, usage, USERNAME_OPTION, usernameOf } from '../ops-common.js';

const OPTIONS: readonly OptionSpec[] = [...HELP_OPTIONS, USERNAME_OPTION, ...SERVER_OPTIONS, CREDNAME_OPTION, JSON_OPTION];
export const INFO_USAGE = usage('info', '[-l username] ...', OPTIONS);

/** myproxy-info's "timeleft" text: H:MM:SS, then the days when more than one. */
export function formatTimeLeft(end: Date | undefined, now = new Date()): string {
  if (!end) return 'unknown';
  const seconds = Math.floor((end.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return '0  (expired)';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const text = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  const days = seconds / 86400;
  return days > 1 ? `${text}  (${days.toFixed(1)} days)` : text;
}

function describe(credential: CredentialInfo, now: Date): string {
  let text = `owner: ${credential.owner ?? ''}\n`;
  const line = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== '') text += `  ${label}: ${value}\n`;
  };
  line('name', credential.name);
  line('description', credential.description);
  line('retrieval policy', credential.retriever);
  line('renewal policy', credential.renewer);
  line('key retrieval policy', credential.keyRetrievers);
  line('trusted retrieval policy', credential.trustedRetrievers);
  line('locked', credential.lockMessage);
  text += `  timeleft: ${formatTimeLeft(credential.endTime, now)}\n`;
  return text;
}

export function formatInfo(username: string, info: InfoResult, now = new Date()): string {
  return `username: ${username}\n${[info, ...info.additional].map((c) => describe(c, now)).join('')}`;
}

function toJson(c: CredentialInfo) {
  return {
    name: c.name ?? null,
    owner: c.owner ?? null,
    description: c.description ?? null,
    startTime: c.startTime?.toISOString() ?? null,
    endTime: c.endTime?.toISOString() ?? null,
    retrievers: c.retriever ?? null,
    renewers: c.renewer ?? null,
    keyRetrievers: c.keyRetrievers ?? null,
    trustedRetrievers: c.trustedRetrievers ?? null,
    lockMessage: c.lockMessage ?? null,
  };
}

export async function runInfo(argv: readonly string[], context: CommandContext): Promise<number> {
  const options = parseCommand(argv, OPTIONS, 'info', INFO_USAGE, context);
  if (!options) return 0;
  const username = usernameOf(options, context.env);
  const request = { username, ...credentialNameOf(options) };
  infoRequestBytes(request); // BAD_INPUT before any connection
  const credential = await loadClientCredential(context, 'myproxy-web info');
  const { result } = await runOnServer(context, options, 'INFO', credential, (tls) => getInfo(tls, request));
  if (options.has('json')) context.stdout.write(`${JSON.stringify({ username, credentials: [result, ...result.additional].map(toJson) })}\n`);
  else context.stdout.write(formatInfo(username, result));
  return 0;
}
