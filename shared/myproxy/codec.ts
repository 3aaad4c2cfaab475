/**
 * MyProxy text messages (protocol notes §1.4, §2.1, §2.2): `KEY=VALUE\n` lines and one NUL.
 */
import { utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';

export const MYPROXY_VERSION = 'MYPROXYv2';

/** Command numbers from myproxy_protocol.h (§2). */
export const MyProxyCommand = {
  GET: 0,
  PUT: 1,
  INFO: 2,
  DESTROY: 3,
  CHANGE_CRED_PASSPHRASE: 4,
  STORE: 5,
  RETRIEVE: 6,
  GET_TRUSTROOTS: 7,
} as const;

export const MyProxyResponseCode = { OK: 0, ERROR: 1, AUTHORIZATION: 2 } as const;
export type MyProxyResponseCode = (typeof MyProxyResponseCode)[keyof typeof MyProxyResponseCode];

export interface MyProxyRequest {
  command: number;
  username: string;
  passphrase: string;
  /** Seconds; must be a positive integer for GET (LIFETIME=0 gives an already-expired certificate in CA mode, §4.2). */
  lifetimeSeconds: number;
  credentialName?: string;
  /** Ask for the server's trust roots (`TRUSTED_CERTS=1`). */
  trustedCerts?: boolean;
  /** Further fields, appended in order after the standard ones (e.g. VONAME). */
  extra?: [string, string][];
}

export interface MyProxyResponse {
  version: string;
  response: MyProxyResponseCode;
  /** The ERROR lines, unchanged and in order. */
  errors: string[];
  /** Every field, in order of appearance; repeated keys keep every value. */
  fields: Map<string, string[]>;
}

const KEY = /^[A-Z][A-Z0-9_]*$/;
/**
 * The server finds each field with strstr over the whole message (convert_message in
 * myproxy.c), so a value holding e.g. `USERNAME=` would be read as that field. Every key the
 * server looks for is at least four upper-case letters or `_` before its `=` (`NAME=`,
 * `DESC=`, `USERNAME=`, `RETRIEVER_TRUSTED=`, ...), so any such run followed by `=` is
 * refused. Shorter runs stay allowed, so DNs (`/DC=org/CN=Alice`, used as user names with
 * `myproxy-logon -d`) and pass phrases such as `X=1` still work.
 */
const KEY_LIKE = /[A-Z_]{4,}=/;

function checkValue(field: string, value: string): void {
  if (/[\n\r\0]/.test(value)) {
    throw new MyProxyWebError('BAD_INPUT', `${field} must not contain line breaks or NUL characters`);
  }
  if (KEY_LIKE.test(value)) {
    throw new MyProxyWebError(
      'BAD_INPUT',
      `${field} must not contain text like 'NAME=' (capital letters or '_' followed by '='): the MyProxy server would read it as a protocol field`,
    );
  }
}

/**
 * The exact bytes the C client sends (`myproxy_serialize_request_ex`, §2.1):
 * VERSION, COMMAND, USERNAME, PASSPHRASE, LIFETIME, [CRED_NAME], [TRUSTED_CERTS=1], extras, then NUL.
 */
export function serializeRequest(fields: MyProxyRequest): Uint8Array {
  const { command, username, passphrase, lifetimeSeconds, credentialName, trustedCerts, extra = [] } = fields;
  if (!Number.isInteger(command) || command < 0 || command > 99) {
    throw new MyProxyWebError('BAD_INPUT', `invalid MyProxy command: ${command}`);
  }
  if (!Number.isSafeInteger(lifetimeSeconds) || lifetimeSeconds < 0) {
    throw new MyProxyWebError('BAD_INPUT', 'the lifetime must be a whole number of seconds');
  }
  if (command === MyProxyCommand.GET && lifetimeSeconds <= 0) {
    throw new MyProxyWebError('BAD_INPUT', 'the requested lifetime must be positive');
  }
  checkValue('the user name', username);
  checkValue('the pass phrase', passphrase);
  if (credentialName !== undefined) {
    if (credentialName === '') throw new MyProxyWebError('BAD_INPUT', 'the credential name must not be empty');
    checkValue('the credential name', credentialName);
  }
  const lines = [
    `VERSION=${MYPROXY_VERSION}`,
    `COMMAND=${command}`,
    `USERNAME=${username}`,
    `PASSPHRASE=${passphrase}`,
    `LIFETIME=${lifetimeSeconds}`,
  ];
  if (credentialName !== undefined) lines.push(`CRED_NAME=${credentialName}`);
  if (trustedCerts) lines.push('TRUSTED_CERTS=1');
  for (const [key, value] of extra) {
    if (!KEY.test(key)) throw new MyProxyWebError('BAD_INPUT', `invalid MyProxy field name: ${JSON.stringify(key)}`);
    checkValue(key, value);
    lines.push(`${key}=${value}`);
  }
  return utf8Encode(`${lines.join('\n')}\n\0`);
}

function protocolError(message: string): MyProxyWebError {
  return new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', message);
}

/**
 * A server response (§2.2) without its NUL. The version must be exactly MYPROXYv2 and
 * RESPONSE 0, 1 or 2, as the C client requires.
 */
export function parseResponse(text: string): MyProxyResponse {
  const fields = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw protocolError(`malformed line in server response: ${JSON.stringify(line.slice(0, 80))}`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const values = fields.get(key);
    if (values) values.push(value);
    else fields.set(key, [value]);
  }
  const single = (key: string): string => {
    const values = fields.get(key);
    if (!values) throw protocolError(`server response has no ${key}`);
    if (values.length !== 1) throw protocolError(`server response has ${values.length} ${key} fields`);
    return values[0]!;
  };
  const version = single('VERSION');
  if (version !== MYPROXY_VERSION) {
    throw protocolError(`server speaks protocol version ${JSON.stringify(version.slice(0, 40))}, expected ${MYPROXY_VERSION}`);
  }
  const code = single('RESPONSE');
  if (code !== '0' && code !== '1' && code !== '2') throw protocolError(`unknown RESPONSE code ${JSON.stringify(code.slice(0, 20))}`);
  return { version, response: Number(code) as MyProxyResponseCode, errors: fields.get('ERROR') ?? [], fields };
}
