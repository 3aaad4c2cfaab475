/**
 * MyProxy INFO (myproxy-info, protocol notes §2.2, §2.3) on an established TLS connection.
 * The server answers only the credential's owner, identified by the TLS client certificate
 * (base identity DN of a proxy chain); anonymous clients get `no credentials found ... "<anonymous>"`.
 */
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand, parseResponse, serializeRequest } from './codec.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS } from './logon.js';
import { errorText, MessageReader } from './stream.js';

/** What myproxy-info sends as PASSPHRASE (§2.1): the server ignores it for INFO. */
const DUMMY_PASSPHRASE = 'DUMMY-PASSPHRASE';
/** GSI's "no delegation" flag; alone in its own TLS record (§1.2). */
const GSI_NO_DELEGATION = utf8Encode('0');

export interface InfoRequest {
  username: string;
  /** CRED_NAME; without it the server describes the default credential first, then the others (ADDL_CREDS). */
  credentialName?: string;
}

export interface InfoOptions {
  /** Default 130 s. */
  responseTimeoutMs?: number;
}

/** One stored credential as INFO describes it. */
export interface CredentialInfo {
  /** CRED_NAME, or undefined for the default credential. */
  name: string | undefined;
  owner: string | undefined;
  description: string | undefined;
  startTime: Date | undefined;
  endTime: Date | undefined;
  retriever: string | undefined;
  keyRetrievers: string | undefined;
  trustedRetrievers: string | undefined;
  renewer: string | undefined;
  lockMessage: string | undefined;
}

export interface InfoResult extends CredentialInfo {
  /** The further credentials (`CRED_<name>_<FIELD>`, listed in ADDL_CREDS). */
  additional: CredentialInfo[];
  /** Every response field as received. */
  fields: Map<string, string[]>;
}

function describe(fields: Map<string, string[]>, prefix: string, name: string | undefined): CredentialInfo {
  const get = (field: string): string | undefined => fields.get(`${prefix}${field}`)?.[0];
  const time = (field: string): Date | undefined => {
    const value = get(field);
    return value !== undefined && /^\d+$/.test(value) ? new Date(Number(value) * 1000) : undefined;
  };
  return {
    name,
    owner: get('OWNER'),
    description: get('DESC'),
    startTime: time('START_TIME'),
    endTime: time('END_TIME'),
    retriever: get('RETRIEVER'),
    keyRetrievers: get('KEYRETRIEVERS'),
    trustedRetrievers: get('RETRIEVER_TRUSTED'),
    renewer: get('RENEWER'),
    lockMessage: get('LOCKMSG'),
  };
}

/** 1. `'0'` alone; 2. the INFO request (LIFETIME=0, DUMMY-PASSPHRASE like myproxy-info); 3. one OK or ERROR. */
export function infoRequestBytes(request: InfoRequest): Uint8Array {
  return serializeRequest({
    command: MyProxyCommand.INFO,
    username: request.username,
    passphrase: DUMMY_PASSPHRASE,
    lifetimeSeconds: 0,
    ...(request.credentialName !== undefined ? { credentialName: request.credentialName } : {}),
  });
}

export async function getInfo(tls: ByteChannel, request: InfoRequest, options: InfoOptions = {}): Promise<InfoResult> {
  const message = infoRequestBytes(request);
  const reader = new MessageReader(tls);
  await tls.write(GSI_NO_DELEGATION);
  await tls.write(message);
  const response = parseResponse(await reader.readText(options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS));
  if (response.response === 1) throw new MyProxyWebError('MYPROXY_REJECTED', errorText(response.errors, 'the MyProxy server refused INFO without giving a reason'));
  if (response.response !== 0) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `unexpected RESPONSE=${response.response} to INFO`);
  const fields = response.fields;
  const names = (fields.get('ADDL_CREDS')?.[0] ?? '').split(',').filter((name) => name !== '');
  return {
    ...describe(fields, 'CRED_', fields.get('CRED_NAME')?.[0]),
    additional: names.map((name) => describe(fields, `CRED_${name}_`, name)),
    fields,
  };
}
