/**
 * Managing the credentials stored on the MyProxy server with the credential just obtained
 * (protocol notes §2.3): INFO, CHANGE_CRED_PASSPHRASE and DESTROY are owner-only, and the
 * server identifies the owner by the TLS client certificate (the base identity of a proxy
 * chain). Each call opens one new TLS connection through the same bridge, presenting
 * [certificate, ...chain] and the CryptoKey; a non-extractable RSA key makes the client offer
 * TLS 1.2 only, which MyProxy servers accept. Used by `client.manage()` (web/headless.ts).
 */
import { MyProxyWebError, toMyProxyWebError } from '../shared/errors.js';
import { changePassphrase } from '../shared/myproxy/change-passphrase.js';
import type { LogonResult } from '../shared/myproxy/client.js';
import { checkNewPassphrase } from '../shared/myproxy/command.js';
import { destroyCredential } from '../shared/myproxy/destroy.js';
import { getInfo, type CredentialInfo, type InfoResult } from '../shared/myproxy/info.js';
import { withMyProxyConnection, type MyProxyConnectOptions } from '../shared/myproxy/session.js';
import type { TlsConnection } from '../shared/tls/index.js';

export type { CredentialInfo, InfoResult };

export interface ManageOptions {
  /** The MyProxy user name the credentials are stored under (the one used for the logon). */
  username: string;
  /** Aborting closes any connection of this session and rejects its calls with ABORTED. */
  signal?: AbortSignal;
}

export interface ChangePassphraseOptions {
  /** CRED_NAME; without it the default credential. */
  name?: string;
  /** Used for this request only; not kept. */
  oldPassphrase: string;
  /** At least 6 characters; used for this request only. */
  newPassphrase: string;
}

export interface MyProxyManageSession {
  readonly username: string;
  /** Every stored credential of the user: the default (name undefined) or first one, then the others (ADDL_CREDS). */
  list(): Promise<CredentialInfo[]>;
  /** The raw INFO answer (optionally for one named credential). */
  info(name?: string): Promise<InfoResult>;
  /** Removes a stored credential (the default one without a name). */
  destroy(name?: string): Promise<void>;
  changePassphrase(options: ChangePassphraseOptions): Promise<void>;
}

/** The connection settings of a client, without the client certificate. */
export type ManageConnect = Omit<MyProxyConnectOptions, 'tls' | 'signal'>;

/** A management session for `credential`; `connect()` yields fresh connection settings (trust roots loaded). */
export function createManageSession(connect: () => Promise<ManageConnect>, credential: LogonResult, options: ManageOptions): MyProxyManageSession {
  const username = options.username?.trim() ?? '';
  if (!username) throw new MyProxyWebError('BAD_INPUT', 'the user name is empty');
  if (!credential?.certificate || !credential.privateKey) throw new MyProxyWebError('BAD_INPUT', 'no credential to authenticate with');
  const clientCertificate = { chain: [credential.certificate, ...credential.chain], privateKey: credential.privateKey };
  const run = async <T>(what: string, command: (tls: TlsConnection) => Promise<T>): Promise<T> => {
    try {
      if (options.signal?.aborted) throw new MyProxyWebError('ABORTED', `${what} cancelled`);
      const settings = await connect();
      return await withMyProxyConnection<T>(
        { ...settings, tls: { clientCertificate }, ...(options.signal ? { signal: options.signal } : {}) },
        what,
        command,
      );
    } catch (caught) {
      throw toMyProxyWebError(caught);
    }
  };
  const named = (name: string | undefined) => (name === undefined || name === '' ? {} : { credentialName: name });
  const info = (name?: string) => run('INFO', (tls) => getInfo(tls, { username, ...named(name) }));
  return {
    username,
    info,
    async list() {
      const result = await info();
      const { additional, fields: _fields, ...first } = result;
      // An INFO without any stored credential is an ERROR; an OK always describes one first.
      return [first, ...additional];
    },
    destroy: (name) => run('DESTROY', (tls) => destroyCredential(tls, { username, ...named(name) })),
    async changePassphrase({ name, oldPassphrase, newPassphrase }) {
      if (!oldPassphrase) throw new MyProxyWebError('BAD_INPUT', 'the current pass phrase is empty');
      try {
        checkNewPassphrase(newPassphrase);
      } catch (caught) {
        throw toMyProxyWebError(caught);
      }
      return run('the pass phrase change', (tls) => changePassphrase(tls, { username, oldPassphrase, newPassphrase, ...named(name) }));
    },
  };
}
