/**
 * Trust roots from a MyProxy server (protocol notes §2.2, §2.3): GET_TRUSTROOTS (command 7),
 * and the `TRUSTED_CERTS=<f1>,<f2>` + `FILEDATA_<f>=<base64>` fields that also come in the
 * first OK of a GET sent with `TRUSTED_CERTS=1`.
 *
 * The file names come from the server and become local file names, so only plain names are
 * accepted: names with '/', '\', '..', control characters or a leading '.', empty or very long
 * names are skipped and reported in `skipped` (the C client writes whatever it is sent).
 */
import { fromBase64, utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import type { ByteChannel } from '../transport/channel.js';
import { MyProxyCommand, type MyProxyResponse, parseResponse, serializeRequest } from './codec.js';
import { type MyProxyConnectOptions, withMyProxyConnection } from './session.js';
import { errorText, MessageReader } from './stream.js';

/** The server's trust-root files by name, plus the names refused as unsafe. */
export interface TrustRootFiles {
  /** File name → contents, in the order the server listed them. */
  files: Map<string, Uint8Array>;
  /** Names that were not accepted, with the reason; nothing of theirs is returned. */
  skipped: { name: string; reason: string }[];
}

/** Longest file name accepted (NAME_MAX on Linux). */
const MAX_NAME_LENGTH = 255;
/** Most files accepted from one response. */
const MAX_FILES = 4096;

/**
 * Why `name` cannot be used as a file name in a trust directory, or undefined if it can.
 * Refused: empty, longer than 255 characters, '.' or '..' anywhere as a path step or as a
 * substring '..', a leading '.', '/', '\', NUL and other control characters, ',' and '='
 * (they cannot travel in the protocol unambiguously).
 */
export function unsafeTrustRootName(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.length > MAX_NAME_LENGTH) return 'name too long';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control character in name';
  if (name.includes('/') || name.includes('\\')) return 'path separator in name';
  if (name.includes('..')) return "'..' in name";
  if (name.startsWith('.')) return 'hidden file name';
  if (name.includes(',') || name.includes('=')) return "',' or '=' in name";
  return undefined;
}

/**
 * The trust-root files carried by a response, or an empty result if it has no TRUSTED_CERTS
 * (a server without cert_dir). Unsafe names are skipped; a listed safe name without valid
 * FILEDATA is MYPROXY_PROTOCOL_ERROR.
 */
export function parseTrustRoots(response: MyProxyResponse): TrustRootFiles {
  const result: TrustRootFiles = { files: new Map(), skipped: [] };
  const lists = response.fields.get('TRUSTED_CERTS');
  if (!lists) return result;
  if (lists.length !== 1) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server response has ${lists.length} TRUSTED_CERTS fields`);
  const names = lists[0] === '' ? [] : lists[0]!.split(',');
  if (names.length > MAX_FILES) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server lists ${names.length} trust-root files`);
  for (const name of names) {
    const reason = unsafeTrustRootName(name);
    if (reason !== undefined) {
      result.skipped.push({ name, reason });
      continue;
    }
    if (result.files.has(name)) {
      result.skipped.push({ name, reason: 'listed twice' });
      continue;
    }
    const data = response.fields.get(`FILEDATA_${name}`);
    if (!data) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server listed trust-root file ${JSON.stringify(name)} but sent no FILEDATA for it`);
    if (data.length !== 1) throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server sent ${data.length} FILEDATA fields for ${JSON.stringify(name)}`);
    const text = data[0]!;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server sent invalid base64 for trust-root file ${JSON.stringify(name)}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(text);
    } catch (cause) {
      throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `server sent invalid base64 for trust-root file ${JSON.stringify(name)}`, { cause });
    }
    result.files.set(name, bytes);
  }
  return result;
}

/** GSI's "no delegation" flag; alone in its own TLS record (§1.2). */
const GSI_NO_DELEGATION = utf8Encode('0');

export interface TrustRootsRequestOptions {
  /** Default 130 s. */
  responseTimeoutMs?: number;
}

/**
 * GET_TRUSTROOTS on an established TLS connection: `'0'`, then the request exactly as
 * myproxy-get-trustroots sends it (USERNAME and PASSPHRASE empty, LIFETIME=0,
 * TRUSTED_CERTS=1), then one response. A server ERROR is MYPROXY_REJECTED with its text.
 */
export async function requestTrustRoots(tls: ByteChannel, options: TrustRootsRequestOptions = {}): Promise<TrustRootFiles> {
  const timeoutMs = options.responseTimeoutMs ?? 130_000;
  const request = serializeRequest({
    command: MyProxyCommand.GET_TRUSTROOTS,
    username: '',
    passphrase: '',
    lifetimeSeconds: 0,
    trustedCerts: true,
  });
  const reader = new MessageReader(tls);
  await tls.write(GSI_NO_DELEGATION);
  await tls.write(request);
  const response = parseResponse(await reader.readText(timeoutMs));
  if (response.response === 1) {
    throw new MyProxyWebError('MYPROXY_REJECTED', errorText(response.errors, 'the MyProxy server refused to send its trust roots'));
  }
  if (response.response !== 0) {
    throw new MyProxyWebError('MYPROXY_PROTOCOL_ERROR', `unexpected RESPONSE=${response.response} to GET_TRUSTROOTS`);
  }
  return parseTrustRoots(response);
}

/**
 * myproxy-get-trustroots as one call: connect (verifying the server as usual), GET_TRUSTROOTS,
 * close. Returns the server's trust-root files; unsafe names are in `skipped`.
 */
export function getTrustRoots(options: MyProxyConnectOptions): Promise<TrustRootFiles> {
  return withMyProxyConnection(options, 'trust-root download', (tls) =>
    requestTrustRoots(tls, options.responseTimeoutMs !== undefined ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
  );
}
