/**
 * MyProxy PUT (command 1, myproxy-init; protocol notes §2.3, §5.2): delegate a proxy of the
 * user's credential to the server. → request; ← OK₁; ← the server's DER certificate request
 * (the server made the key pair); → count byte + DER [new proxy signed by the user's key, the
 * user's certificate, its chain...]; ← final OK. The TLS client certificate must be the user's
 * credential too: the server records its base identity as the owner.
 */
import { concatBytes } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { certificationRequestSpki, signProxyCertificate } from '../pki/proxy-sign.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand } from './codec.js';
import {
  badInput,
  buildRequest,
  checkLifetime,
  checkNewPassphrase,
  type CommandOptions,
  type CredentialPolicy,
  expectOk,
  policyFields,
  sendRequest,
  timeoutOf,
} from './command.js';
import { MAX_CHAIN_CERTIFICATES } from './stream.js';

export interface PutRequest {
  username: string;
  /** The pass phrase retrievers must give; '' for none (only renewers / trusted retrievers then). */
  passphrase: string;
  /** LIFETIME: the longest proxy the server may delegate from this credential later (myproxy-init -t). */
  maxDelegationSeconds: number;
  credentialName?: string;
  policy?: CredentialPolicy;
}

/** The user's credential that signs the stored proxy. */
export interface DelegatingCredential {
  /** DER, the user's certificate (or proxy) first, then its chain. */
  chain: readonly Uint8Array[];
  privateKey: CryptoKey;
}

export interface PutOptions extends CommandOptions {
  /** Lifetime of the proxy stored on the server (myproxy-init -c; default one week). */
  proxyLifetimeSeconds: number;
  /** Store a limited proxy (myproxy-init -L... not in myproxy-init; grid-proxy-init -limited). */
  limited?: boolean;
  now?: Date;
}

export function putRequestBytes(request: PutRequest): Uint8Array {
  if (!request.username) badInput('the user name is empty');
  if (request.passphrase !== '') checkNewPassphrase(request.passphrase, 'the MyProxy pass phrase');
  checkLifetime(request.maxDelegationSeconds, 'the maximum lifetime of delegated proxies');
  return buildRequest({
    command: MyProxyCommand.PUT,
    username: request.username,
    passphrase: request.passphrase,
    lifetimeSeconds: request.maxDelegationSeconds,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
    extra: policyFields(request.policy ?? {}),
  });
}

/** count byte + DER certificates (§1.6). */
export function encodeChain(chain: readonly Uint8Array[]): Uint8Array {
  if (chain.length === 0 || chain.length > MAX_CHAIN_CERTIFICATES) throw new MyProxyWebError('BAD_INPUT', `a chain of ${chain.length} certificates cannot be sent`);
  return concatBytes(new Uint8Array([chain.length]), ...chain);
}

export async function putCredential(tls: ByteChannel, request: PutRequest, credential: DelegatingCredential, options: PutOptions): Promise<{ proxy: Uint8Array }> {
  const message = putRequestBytes(request);
  checkLifetime(options.proxyLifetimeSeconds, 'the proxy lifetime');
  const [userCertificate] = credential.chain;
  if (!userCertificate) badInput('the user credential has no certificate');
  const timeoutMs = timeoutOf(options);
  const reader = await sendRequest(tls, message);
  await expectOk(reader, 'the credential upload (PUT)', timeoutMs);
  const csr = await reader.readDer(timeoutMs, "the server's certificate request");
  const proxy = await signProxyCertificate({
    publicKeySpki: await certificationRequestSpki(csr),
    issuerCertificate: userCertificate,
    issuerKey: credential.privateKey,
    lifetimeSeconds: options.proxyLifetimeSeconds,
    ...(options.limited ? { limited: true } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  await tls.write(encodeChain([proxy, ...credential.chain]));
  await expectOk(reader, 'the delegated proxy', timeoutMs);
  return { proxy };
}
