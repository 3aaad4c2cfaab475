/**
 * MyProxy GET (myproxy-logon) on an established TLS connection (protocol notes §1.2, §2.3 GET).
 */
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand, type MyProxyResponse, parseResponse, serializeRequest } from './codec.js';
import { certificateAuthorizationReply, type RenewalCredential } from './authorization.js';
import { errorText, MessageReader } from './stream.js';

/** The server gives up on a connection after 120 s (request_timeout, §1.5); wait a little longer. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 130_000;

export interface DelegationRequest {
  username: string;
  passphrase: string;
  lifetimeSeconds: number;
  credentialName?: string;
  /** Send TRUSTED_CERTS=1: the server's trust roots come back in the first OK (§2.3). */
  trustedCerts?: boolean;
}

/** What a GET exchange returned: the first OK (with TRUSTED_CERTS/FILEDATA when asked) and the chain. */
export interface DelegationExchange {
  firstResponse: MyProxyResponse;
  /** [issued, ...rest of the chain]; empty when no CSR was sent (myproxy-logon -N). */
  chain: Uint8Array[];
}

export interface DelegationOptions {
  /** Per response (OK₁, chain, final response); default 130 s. */
  responseTimeoutMs?: number;
  /** Answers a RESPONSE=2 (certificate authorization, renewal: myproxy-logon -a, §2.9). */
  authorization?: RenewalCredential;
}

/** GSI's "no delegation" flag that ends context setup; must be alone in its own TLS record (§1.2). */
const GSI_NO_DELEGATION = utf8Encode('0');

/**
 * Server texts that mean the user name or pass phrase was not accepted (§2.10), as opposed to
 * policy or server-side failures.
 */
const AUTH_FAILURE = new RegExp(
  [
    'invalid (credential )?pass ?(word|phrase)', // "invalid password" (PAM), "invalid credential passphrase", "invalid pass phrase"
    'bad pass ?(word|phrase)', // "Bad password" (stored credential)
    '(incorrect|wrong) pass ?(word|phrase)',
    'no passphrase',
    'unknown username', // CA mode, user not in the mapfile
    'authentication failed', // PAM, SASL, generic
    '\\bPAM\\b',
    'no credentials (found|exist)', // repository mode, no such user / credential name
    'credentials? do(es)? not exist',
    'failed to retrieve credentials',
    'unable to retrieve credential information',
  ].join('|'),
  'i',
);

/**
 * 1. `'0'` alone; 2. the request; 3. OK₁; 4. the DER CSR; 5. the chain; 6. the final response.
 * Returns the DER certificates as sent: [issued, ...rest of the chain].
 */
export async function getDelegation(
  tls: ByteChannel,
  request: DelegationRequest,
  csrDer: Uint8Array,
  options: DelegationOptions = {},
): Promise<Uint8Array[]> {
  return (await getDelegationExchange(tls, request, csrDer, options)).chain;
}

/**
 * The GET exchange, keeping the first OK. `csrDer` may be a promise, awaited after OK₁ (the key
 * can be generated during the handshake). With `csrDer` undefined it stops after the first OK
 * (myproxy-logon -N: authenticate only) and the caller closes the connection.
 */
export async function getDelegationExchange(
  tls: ByteChannel,
  request: DelegationRequest,
  csrDer: Uint8Array | PromiseLike<Uint8Array> | undefined,
  options: DelegationOptions = {},
): Promise<DelegationExchange> {
  const timeoutMs = options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  const message = serializeRequest({
    command: MyProxyCommand.GET,
    username: request.username,
    passphrase: request.passphrase,
    lifetimeSeconds: request.lifetimeSeconds,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
    ...(request.trustedCerts ? { trustedCerts: true } : {}),
  });
  const reader = new MessageReader(tls);

  // 1-2. Separate writes: a '0' merged into the request's record hangs the server (§1.2).
  await tls.write(GSI_NO_DELEGATION);
  await tls.write(message);

  // 3. OK₁, or why not; a RESPONSE=2 asks for certificate authorization (renewal, §2.9).
  let firstResponse = parseResponse(await reader.readText(timeoutMs));
  if (firstResponse.response === 2 && options.authorization) {
    await tls.write(await certificateAuthorizationReply(firstResponse, options.authorization));
    firstResponse = parseResponse(await reader.readText(timeoutMs));
  }
  checkResponse(firstResponse, 'first');
  if (csrDer === undefined) return { firstResponse, chain: [] };

  // 4-5. Our CSR in one write (it may still have been in the making); the chain back (or a text ERROR, thrown by readChain).
  await tls.write(await csrDer);
  const chain = await reader.readChain(timeoutMs);

  // 6. The final response; the server then closes TCP without close_notify (§1.1).
  checkResponse(parseResponse(await reader.readText(timeoutMs)), 'final');
  return { firstResponse, chain };
}

function checkResponse(response: MyProxyResponse, which: 'first' | 'final'): void {
  switch (response.response) {
    case 0:
      return;
    case 1: {
      const text = errorText(response.errors, 'the MyProxy server refused the request without giving a reason');
      const code = which === 'first' && AUTH_FAILURE.test(text) ? 'MYPROXY_AUTH_FAILED' : 'MYPROXY_REJECTED';
      throw new MyProxyWebError(code, text);
    }
    case 2:
      throw new MyProxyWebError('MYPROXY_AUTH_FAILED', 'the server asks for certificate authorization (renewal): give the credential to renew (myproxy-logon -a)');
  }
}

/** Whether a server error text reads like a failed user name / pass phrase check. */
export function looksLikeAuthFailure(text: string): boolean {
  return AUTH_FAILURE.test(text);
}
