/**
 * MyProxy CHANGE_CRED_PASSPHRASE (command 4, myproxy-change-pass-phrase; protocol notes §2.1,
 * §2.3): PASSPHRASE = the old pass phrase, NEW_PHRASE = the new one; owner only.
 */
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand } from './codec.js';
import { badInput, buildRequest, checkNewPassphrase, type CommandOptions, expectOk, sendRequest, timeoutOf } from './command.js';

export interface ChangePassphraseRequest {
  username: string;
  oldPassphrase: string;
  newPassphrase: string;
  credentialName?: string;
}

export function changePassphraseRequestBytes(request: ChangePassphraseRequest): Uint8Array {
  if (!request.username) badInput('the user name is empty');
  if (!request.oldPassphrase) badInput('the current pass phrase is empty');
  checkNewPassphrase(request.newPassphrase);
  return buildRequest({
    command: MyProxyCommand.CHANGE_CRED_PASSPHRASE,
    username: request.username,
    passphrase: request.oldPassphrase,
    lifetimeSeconds: 0,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
    // serializeRequest appends extras after CRED_NAME; the server finds fields anywhere (§1.4).
    extra: [['NEW_PHRASE', request.newPassphrase]],
  });
}

export async function changePassphrase(tls: ByteChannel, request: ChangePassphraseRequest, options: CommandOptions = {}): Promise<void> {
  const reader = await sendRequest(tls, changePassphraseRequestBytes(request));
  await expectOk(reader, 'the pass phrase change', timeoutOf(options), true);
}
