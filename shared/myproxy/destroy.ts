/**
 * MyProxy DESTROY (command 3, myproxy-destroy; protocol notes §2.3): owner only, identified by
 * the TLS client certificate. → request; ← one OK or ERROR.
 */
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand } from './codec.js';
import { buildRequest, type CommandOptions, DUMMY_PASSPHRASE, expectOk, sendRequest, timeoutOf } from './command.js';

export interface DestroyRequest {
  username: string;
  /** CRED_NAME; without it the default credential is removed. */
  credentialName?: string;
}

export function destroyRequestBytes(request: DestroyRequest): Uint8Array {
  return buildRequest({
    command: MyProxyCommand.DESTROY,
    username: request.username,
    passphrase: DUMMY_PASSPHRASE,
    lifetimeSeconds: 0,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
  });
}

export async function destroyCredential(tls: ByteChannel, request: DestroyRequest, options: CommandOptions = {}): Promise<void> {
  const reader = await sendRequest(tls, destroyRequestBytes(request));
  await expectOk(reader, 'DESTROY', timeoutOf(options));
}
