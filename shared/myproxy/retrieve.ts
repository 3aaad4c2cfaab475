/**
 * MyProxy RETRIEVE (command 6, myproxy-retrieve; protocol notes §2.3): the stored credential
 * itself. → request; ← OK₁; ← the stored PEM text + NUL (the key encrypted with the credential's
 * pass phrase if it was stored so); ← final OK.
 */
import { MyProxyWebError } from '../errors.js';
import { findPrivateKeyPem } from '../pki/encrypted-key.js';
import { pemDecodeAll, pemEncode } from '../pki/pem.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand, parseResponse } from './codec.js';
import { badInput, buildRequest, checkOk, type CommandOptions, expectOk, sendRequest, timeoutOf } from './command.js';

export interface RetrieveRequest {
  username: string;
  /** The credential's pass phrase; '' with myproxy-retrieve -n (key retrievers by certificate). */
  passphrase: string;
  credentialName?: string;
}

/** What the stored PEM text holds, split the way myproxy-retrieve writes -c and -y. */
export interface RetrievedCredential {
  /** The text exactly as the server sent it (without the NUL). */
  pem: string;
  certificates: Uint8Array[];
  /** PEM of the certificates, in order. */
  certificatePem: string;
  /** PEM of the private key block as stored (encrypted or not). */
  keyPem: string;
  keyEncrypted: boolean;
}

/** myproxy-retrieve sends the logon default lifetime (12 h); the server ignores it for RETRIEVE. */
const RETRIEVE_LIFETIME_SECONDS = 43200;

export function retrieveRequestBytes(request: RetrieveRequest): Uint8Array {
  if (!request.username) badInput('the user name is empty');
  return buildRequest({
    command: MyProxyCommand.RETRIEVE,
    username: request.username,
    passphrase: request.passphrase,
    lifetimeSeconds: RETRIEVE_LIFETIME_SECONDS,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
  });
}

export function splitRetrieved(pem: string): RetrievedCredential {
  const blocks = pemDecodeAll(pem);
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  const key = findPrivateKeyPem(pem);
  if (certificates.length === 0 || !key) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', 'the retrieved credential does not hold a certificate and a private key');
  const label = key.kind === 'pkcs8' ? 'PRIVATE KEY' : key.kind === 'pkcs1' ? 'RSA PRIVATE KEY' : 'ENCRYPTED PRIVATE KEY';
  return {
    pem,
    certificates,
    certificatePem: certificates.map((der) => pemEncode('CERTIFICATE', der)).join(''),
    keyPem: pemEncode(label, key.der),
    keyEncrypted: key.kind === 'encrypted',
  };
}

export async function retrieveCredential(tls: ByteChannel, request: RetrieveRequest, options: CommandOptions = {}): Promise<RetrievedCredential> {
  const message = retrieveRequestBytes(request);
  const timeoutMs = timeoutOf(options);
  const reader = await sendRequest(tls, message);
  await expectOk(reader, 'RETRIEVE', timeoutMs, true);
  const text = await reader.readText(timeoutMs);
  if (text.startsWith('VERSION=')) {
    const response = parseResponse(text);
    checkOk(response, 'RETRIEVE');
    throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', 'expected the stored credential, got another OK');
  }
  await expectOk(reader, 'RETRIEVE', timeoutMs);
  return splitRetrieved(text);
}
