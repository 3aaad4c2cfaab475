/**
 * MyProxy STORE (command 5, myproxy-store; protocol notes §2.3): upload an end-entity
 * credential as it is. → request (PASSPHRASE empty); ← OK₁; → PEM text (certificates, then the
 * private key) + NUL in one write; ← final OK. The server stores the text unchanged, so a later
 * GET must give the pass phrase the key is encrypted with; `storePayload` encrypts it (PKCS#8
 * PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, readable by OpenSSL 3).
 */
import { concatBytes, utf8Encode } from '../bytes/bytes.js';
import { encryptedPrivateKeyPem, encryptPrivateKeyInfo } from '../pki/encrypted-key.js';
import { pemEncode } from '../pki/pem.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand } from './codec.js';
import { badInput, buildRequest, checkLifetime, checkNewPassphrase, type CommandOptions, type CredentialPolicy, expectOk, policyFields, sendRequest, timeoutOf } from './command.js';
import { MAX_TEXT_MESSAGE_BYTES } from './stream.js';

export interface StoreRequest {
  username: string;
  /** LIFETIME: the longest proxy the server may delegate from this credential (myproxy-store -t). */
  maxDelegationSeconds: number;
  credentialName?: string;
  policy?: CredentialPolicy;
}

export function storeRequestBytes(request: StoreRequest): Uint8Array {
  if (!request.username) badInput('the user name is empty');
  checkLifetime(request.maxDelegationSeconds, 'the maximum lifetime of delegated proxies');
  return buildRequest({
    command: MyProxyCommand.STORE,
    username: request.username,
    passphrase: '',
    lifetimeSeconds: request.maxDelegationSeconds,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
    extra: policyFields(request.policy ?? {}),
  });
}

/**
 * The PEM text to store: each certificate, then the private key. With `passphrase` the PKCS#8 key
 * is encrypted with it (at least 6 characters); without, it is stored unencrypted (then only
 * renewers and trusted retrievers can use it).
 */
export async function storePayload(certificates: readonly Uint8Array[], privateKeyInfo: Uint8Array, passphrase: string | undefined): Promise<string> {
  if (certificates.length === 0) badInput('no certificate to store');
  let keyPem: string;
  if (passphrase === undefined) keyPem = pemEncode('PRIVATE KEY', privateKeyInfo);
  else {
    checkNewPassphrase(passphrase, 'the MyProxy pass phrase');
    keyPem = encryptedPrivateKeyPem(await encryptPrivateKeyInfo(privateKeyInfo, passphrase));
  }
  return certificates.map((der) => pemEncode('CERTIFICATE', der)).join('') + keyPem;
}

export async function storeCredential(tls: ByteChannel, request: StoreRequest, pemText: string, options: CommandOptions = {}): Promise<void> {
  const message = storeRequestBytes(request);
  if (pemText.includes('\0')) badInput('the credential text contains a NUL character');
  if (!/-----BEGIN CERTIFICATE-----/.test(pemText) || !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pemText)) badInput('the credential text must hold a PEM certificate and a PEM private key');
  const payload = concatBytes(utf8Encode(pemText), new Uint8Array([0]));
  if (payload.length > MAX_TEXT_MESSAGE_BYTES) badInput('the credential is too large');
  const timeoutMs = timeoutOf(options);
  const reader = await sendRequest(tls, message);
  await expectOk(reader, 'the credential upload (STORE)', timeoutMs);
  await tls.write(payload);
  await expectOk(reader, 'the stored credential', timeoutMs);
}
