/**
 * What every MyProxy command shares on an established TLS connection (protocol notes §1.2,
 * §2.1, §2.3): the lone `'0'`, one request write, reading and checking a text response, and the
 * policy fields of PUT/STORE.
 */
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import type { ByteChannel } from '../transport/channel.js';
import { type MyProxyRequest, type MyProxyResponse, parseResponse, serializeRequest } from './codec.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, looksLikeAuthFailure } from './logon.js';
import { errorText, MessageReader } from './stream.js';

/** GSI's "no delegation" flag; alone in its own TLS record (§1.2). */
const GSI_NO_DELEGATION = utf8Encode('0');

/** What myproxy-info / myproxy-destroy send as PASSPHRASE (§2.1); the server ignores it. */
export const DUMMY_PASSPHRASE = 'DUMMY-PASSPHRASE';

/** The C tools' MIN_PASS_PHRASE_LEN (§2.4). */
export const MIN_NEW_PASS_PHRASE_LENGTH = 6;

export interface CommandOptions {
  /** Per server response; default 130 s (servers give up after 120 s). */
  responseTimeoutMs?: number;
}

export function timeoutOf(options: CommandOptions | undefined): number {
  return options?.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
}

export function badInput(message: string): never {
  throw new MyProxyWebError('BAD_INPUT', message);
}

/** The request bytes, built (and so validated) before any connection exists. */
export function buildRequest(request: MyProxyRequest): Uint8Array {
  return serializeRequest(request);
}

/** 1. `'0'` alone; 2. the request in one write. Returns a reader for the answers. */
export async function sendRequest(tls: ByteChannel, message: Uint8Array): Promise<MessageReader> {
  const reader = new MessageReader(tls);
  await tls.write(GSI_NO_DELEGATION);
  await tls.write(message);
  return reader;
}

/**
 * Throws for RESPONSE=1 (MYPROXY_AUTH_FAILED when the text reads like a failed pass phrase check
 * and `authStep` is set, else MYPROXY_REJECTED) and for RESPONSE=2 when it is not expected.
 */
export function checkOk(response: MyProxyResponse, what: string, authStep = false): void {
  if (response.response === 0) return;
  if (response.response === 1) {
    const text = errorText(response.errors, `the MyProxy server refused ${what} without giving a reason`);
    throw new MyProxyWebError(authStep && looksLikeAuthFailure(text) ? 'MYPROXY_AUTH_FAILED' : 'MYPROXY_REJECTED', text);
  }
  throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `unexpected RESPONSE=${response.response} to ${what}`);
}

/** Reads one text response and checks it is OK. */
export async function expectOk(reader: MessageReader, what: string, timeoutMs: number, authStep = false): Promise<MyProxyResponse> {
  const response = parseResponse(await reader.readText(timeoutMs));
  checkOk(response, what, authStep);
  return response;
}

/** Who may later get the credential (PUT and STORE, §2.1; myproxy-init / myproxy-store flags). */
export interface CredentialPolicy {
  /** CRED_DESC (-K). */
  description?: string;
  /** RETRIEVER (-r, -x, -a: `*`). Already encoded: see `cnPolicy`. */
  retrievers?: string;
  /** RENEWER (-R, -A: `*`). */
  renewers?: string;
  /** KEYRETRIEVERS (STORE -E). */
  keyRetrievers?: string;
  /** RETRIEVER_TRUSTED (-Z). */
  trustedRetrievers?: string;
}

/**
 * The C tools' CN-match mode (the default, -X): a bare name `foo` becomes `*\/CN=foo`; a value
 * that already looks like a DN or regular expression (-x) is sent unchanged.
 */
export function cnPolicy(value: string, regex: boolean): string {
  return regex ? value : `*/CN=${value}`;
}

/** The policy fields in the C client's order (RETRIEVER, RENEWER, CRED_DESC, KEYRETRIEVERS, RETRIEVER_TRUSTED). */
export function policyFields(policy: CredentialPolicy): [string, string][] {
  const fields: [string, string][] = [];
  const add = (key: string, value: string | undefined): void => {
    if (value === undefined) return;
    if (value === '') badInput(`${key} must not be empty`);
    fields.push([key, value]);
  };
  add('RETRIEVER', policy.retrievers);
  add('RENEWER', policy.renewers);
  add('CRED_DESC', policy.description?.replace(/\n/g, ' '));
  add('KEYRETRIEVERS', policy.keyRetrievers);
  add('RETRIEVER_TRUSTED', policy.trustedRetrievers);
  return fields;
}

/** A new pass phrase (STORE, PUT, CHANGE): at least 6 characters, as the C tools and the server require (§2.4). */
export function checkNewPassphrase(passphrase: string, what = 'the new pass phrase'): void {
  if (typeof passphrase !== 'string' || passphrase.length < MIN_NEW_PASS_PHRASE_LENGTH) {
    badInput(`${what} must have at least ${MIN_NEW_PASS_PHRASE_LENGTH} characters`);
  }
}

/** A positive whole number of seconds. */
export function checkLifetime(seconds: number, what = 'the lifetime'): void {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) badInput(`${what} must be a positive whole number of seconds`);
}
