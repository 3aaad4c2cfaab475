/**
 * Headless entry (dist/myproxy-logon-headless.js): the logon <myproxy-logon> runs, without
 * the element, for gateways with their own UI. Same shared code: key made here with
 * WebCrypto, TLS in the page, the bridge relays ciphertext only.
 *
 * ```js
 * import { createMyProxyLogon, credentialToPem } from '/assets/myproxy-logon-headless.js';
 * const client = createMyProxyLogon({ bridge: 'wss://gw.example.org/myproxy', server: 'myproxy.example.org', trustRoots: '/ca.pem' });
 * const credential = await client.logon({ username, passphrase, lifetimeHours: 12, onProgress: (step) => show(step) });
 * const stored = await client.manage(credential, { username }).list(); // INFO as the credential's owner
 * ```
 */
import { MyProxyWebError, toMyProxyWebError, type ErrorCode } from '../shared/errors.js';
import { bootstrapTrust, type BootstrapCa, type BootstrapResult } from '../shared/myproxy/bootstrap.js';
import { logon as logonOverChannel, type LogonResult, type LogonStep } from '../shared/myproxy/client.js';
import { KEY_TYPES, type KeyType } from '../shared/pki/keys.js';
import { pemCertificates } from '../shared/pki/pem.js';
import { connectWebSocket } from '../shared/transport/websocket.js';
import { createManageSession, type ManageConnect, type ManageOptions, type MyProxyManageSession } from './manage.js';

export { MyProxyWebError, toMyProxyWebError, KEY_TYPES };
export type { ErrorCode, KeyType, LogonResult, LogonStep, BootstrapCa, BootstrapResult };
export type { ChangePassphraseOptions, CredentialInfo, InfoResult, ManageOptions, MyProxyManageSession } from './manage.js';
export { credentialToPem } from '../shared/pki/credential.js';
export { createPkcs12, type Pkcs12Options } from '../shared/pki/pkcs12.js';
export { generateKeyPair } from '../shared/pki/keys.js';

/** Requested lifetime when none is given (myproxy-logon's default). */
export const DEFAULT_LIFETIME_HOURS = 12;

export interface MyProxyLogonConfig {
  /** ws:// or wss:// URL of a myproxy-bridge. */
  bridge: string;
  /** Host name the MyProxy server's certificate must match. */
  server: string;
  /** The CA certificates to trust: the URL of a PEM bundle, PEM text, or DER certificates. */
  trustRoots: string | readonly Uint8Array[];
  /** Gateway token for a bridge run with --token-secret. */
  bridgeToken?: string;
  /** DER CA certificates trusted in addition to `trustRoots` (e.g. accepted through `bootstrap()`). */
  extraTrustRoots?: readonly Uint8Array[];
}

export interface HeadlessLogonOptions {
  username: string;
  /** Used for this request only; not kept. */
  passphrase: string;
  /** Default 12. */
  lifetimeHours?: number;
  /** CRED_NAME of a named stored credential (myproxy-logon -k); default: the default credential. */
  credentialName?: string;
  /** Key to generate when `keyPair` is absent; default 'rsa-2048'. CA-mode servers accept RSA only. */
  keyType?: KeyType;
  /** A key pair made beforehand (e.g. while the user typed). */
  keyPair?: CryptoKeyPair;
  /** Whether a generated private key may be exported (PEM, PKCS#12); default true. */
  extractable?: boolean;
  /** Aborting closes the tunnel and rejects with ABORTED. */
  signal?: AbortSignal;
  onProgress?: (step: LogonStep) => void;
}

export interface MyProxyLogonClient {
  readonly config: Readonly<MyProxyLogonConfig>;
  /** Starts fetching the trust roots now, so a later logon does not wait for them. */
  prepare(): void;
  /** Gets a credential; rejects with a MyProxyWebError (see docs/errors.md). */
  logon(options: HeadlessLogonOptions): Promise<LogonResult>;
  /**
   * INFO, change pass phrase and DESTROY for the user's stored credentials, authenticated with
   * `credential` as TLS client certificate (one new connection per call; see web/manage.ts).
   */
  manage(credential: LogonResult, options: ManageOptions): MyProxyManageSession;
  /**
   * Trust on first use (myproxy-logon -b): connects once without validating the server's chain
   * and returns the CA certificates it presents, with their SHA-256 fingerprints for a person to
   * compare. Trust them by creating a client with `extraTrustRoots`.
   */
  bootstrap(options?: { signal?: AbortSignal }): Promise<BootstrapResult>;
}

const bad = (message: string) => new MyProxyWebError('BAD_INPUT', message);

/** Checks the configuration; throws BAD_INPUT naming what is wrong. */
export function checkConfig(config: MyProxyLogonConfig): void {
  if (!/^wss?:\/\//i.test(config.bridge ?? '')) throw bad('The bridge must be a ws:// or wss:// URL.');
  if (!config.server) throw bad('The server (the MyProxy host name) is missing.');
  if (!config.trustRoots || config.trustRoots.length === 0) throw bad('The trust roots (CA certificates) are missing.');
}

export function createMyProxyLogon(config: MyProxyLogonConfig): MyProxyLogonClient {
  const frozen = Object.freeze({ ...config });
  let roots: Promise<Uint8Array[]> | undefined;
  const trustRoots = (): Promise<Uint8Array[]> => {
    if (!roots) {
      const loading = loadTrustRoots(frozen.trustRoots);
      roots = loading;
      loading.catch(() => {
        if (roots === loading) roots = undefined; // try again next time
      });
    }
    return roots;
  };
  const openTransport = () => connectWebSocket(frozen.bridge, frozen.bridgeToken ? { token: frozen.bridgeToken } : {});
  const anchors = async (): Promise<Uint8Array[]> => [...(await trustRoots()), ...(frozen.extraTrustRoots ?? [])];
  const connect = async (): Promise<ManageConnect> => {
    checkConfig(frozen);
    return { openTransport, serverName: frozen.server, trustRoots: await anchors() };
  };
  return {
    config: frozen,
    prepare() {
      try {
        checkConfig(frozen);
        trustRoots().catch(() => undefined);
      } catch {
        // Reported by logon().
      }
    },
    async logon(options) {
      try {
        checkConfig(frozen);
        const hours = options.lifetimeHours ?? DEFAULT_LIFETIME_HOURS;
        if (!Number.isFinite(hours) || hours <= 0) throw bad('The lifetime must be a positive number of hours.');
        if (options.signal?.aborted) throw new MyProxyWebError('ABORTED', 'logon cancelled');
        return await logonOverChannel({
          openTransport,
          serverName: frozen.server,
          trustRoots: await anchors(),
          username: options.username,
          passphrase: options.passphrase,
          lifetimeSeconds: Math.round(hours * 3600),
          ...(options.credentialName ? { credentialName: options.credentialName } : {}),
          keyType: options.keyType ?? 'rsa-2048',
          extractableKey: options.extractable ?? true,
          ...(options.keyPair ? { keyPair: options.keyPair } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (caught) {
        throw toMyProxyWebError(caught);
      }
    },
    manage: (credential, options) => createManageSession(connect, credential, options),
    async bootstrap(options = {}) {
      try {
        checkConfig(frozen);
        return await bootstrapTrust({ openTransport, serverName: frozen.server, ...(options.signal ? { signal: options.signal } : {}) });
      } catch (caught) {
        throw toMyProxyWebError(caught);
      }
    },
  };
}

/** The trust anchors as DER: fetched from a URL, parsed from PEM text, or given. */
export async function loadTrustRoots(source: string | readonly Uint8Array[]): Promise<Uint8Array[]> {
  if (typeof source !== 'string') return [...source];
  const isPem = source.includes('-----BEGIN');
  const where = isPem ? 'the given PEM text' : source;
  const fail = (code: ErrorCode, detail: string, cause?: unknown) =>
    new MyProxyWebError(code, `cannot load the trust roots from ${where}: ${detail}`, { cause });
  let text = source;
  if (!isPem) {
    try {
      const response = await fetch(source, { credentials: 'same-origin', cache: 'no-cache' });
      if (!response.ok) throw fail('BAD_INPUT', `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
      text = await response.text();
    } catch (caught) {
      if (caught instanceof MyProxyWebError) throw caught;
      throw fail('BAD_INPUT', caught instanceof Error ? caught.message : String(caught), caught);
    }
  }
  let anchors: Uint8Array[];
  try {
    anchors = pemCertificates(text);
  } catch (caught) {
    throw fail('CERT_PARSE_ERROR', caught instanceof Error ? caught.message : String(caught), caught);
  }
  if (anchors.length === 0) throw fail('BAD_INPUT', 'it holds no CERTIFICATE blocks');
  return anchors;
}
