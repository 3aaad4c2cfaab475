/** Events fired by <myproxy-logon>. All bubble and are composed (they cross shadow roots). */
import type { ErrorCode } from '../shared/errors.js';
import type { LogonResult, LogonStep } from '../shared/myproxy/client.js';
import type { KeyType } from '../shared/pki/keys.js';

export interface MyProxyLogonStartDetail {
  username: string;
  server: string;
  keyType: KeyType;
  /** Requested lifetime in hours. */
  lifetimeHours: number;
}

export interface MyProxyLogonProgressDetail {
  /** 'generating-key' | 'connecting' | 'handshake' | 'requesting' | 'done' (shared/myproxy/client.ts). */
  step: LogonStep;
  /** The text shown for the step (from `strings`). */
  label: string;
}

export interface MyProxyLogonSuccessDetail {
  /**
   * The credential as PEM: certificate, private key (PKCS#1 for RSA, PKCS#8 for EC), then the
   * rest of the chain. Secret: do not log it. Absent when `export="none"`.
   */
  pem?: string;
  /** Subject DN of the issued certificate (OpenSSL oneline form). */
  subject: string;
  issuer: string;
  notBefore: Date;
  /** The expiry the server actually issued (it may be shorter than requested). */
  notAfter: Date;
  /** Whether it is an RFC 3820 proxy certificate (else an end-entity certificate, CA mode). */
  isProxy: boolean;
  /** The credential itself, with the private key as a CryptoKey (non-extractable with `export="none"`). */
  credential: LogonResult;
}

export interface MyProxyLogonErrorDetail {
  /** A stable code from shared/errors.ts (docs/errors.md), e.g. MYPROXY_AUTH_FAILED. */
  code: ErrorCode;
  /** A message for people; the MyProxy server's own error text where there is one. */
  message: string;
}

export type MyProxyLogonClearedReason = 'forget' | 'expired' | 'replaced' | 'disconnected';

export interface MyProxyLogonClearedDetail {
  /** Why the credential was wiped: Forget, expiry, a new logon, or the element left the page. */
  reason: MyProxyLogonClearedReason;
}

export interface MyProxyLogonTrustDetail {
  /** Subject of the CA certificate the user chose to trust (OpenSSL oneline form). */
  subject: string;
  /** SHA-256 of its DER, `AB:CD:…` (as `openssl x509 -noout -fingerprint -sha256` prints it). */
  fingerprint: string;
  /** The certificate as PEM, for the page to keep if it wants (the element trusts it in memory only). */
  pem: string;
}

export const LOGON_START_EVENT = 'myproxy-logon-start';
export const LOGON_PROGRESS_EVENT = 'myproxy-logon-progress';
export const LOGON_SUCCESS_EVENT = 'myproxy-logon-success';
export const LOGON_ERROR_EVENT = 'myproxy-logon-error';
export const LOGON_CLEARED_EVENT = 'myproxy-logon-cleared';
export const LOGON_TRUST_EVENT = 'myproxy-logon-trust';

export type MyProxyLogonStartEvent = CustomEvent<MyProxyLogonStartDetail>;
export type MyProxyLogonProgressEvent = CustomEvent<MyProxyLogonProgressDetail>;
export type MyProxyLogonSuccessEvent = CustomEvent<MyProxyLogonSuccessDetail>;
export type MyProxyLogonErrorEvent = CustomEvent<MyProxyLogonErrorDetail>;
export type MyProxyLogonClearedEvent = CustomEvent<MyProxyLogonClearedDetail>;
export type MyProxyLogonTrustEvent = CustomEvent<MyProxyLogonTrustDetail>;

export interface MyProxyLogonEventMap {
  'myproxy-logon-start': MyProxyLogonStartEvent;
  'myproxy-logon-progress': MyProxyLogonProgressEvent;
  'myproxy-logon-success': MyProxyLogonSuccessEvent;
  'myproxy-logon-error': MyProxyLogonErrorEvent;
  'myproxy-logon-cleared': MyProxyLogonClearedEvent;
  'myproxy-logon-trust': MyProxyLogonTrustEvent;
}

/** A bubbling, composed CustomEvent of one of the element's types. */
export function logonEvent<K extends keyof MyProxyLogonEventMap>(type: K, detail: MyProxyLogonEventMap[K]['detail']): MyProxyLogonEventMap[K] {
  return new CustomEvent(type, { detail, bubbles: true, composed: true }) as MyProxyLogonEventMap[K];
}

declare global {
  interface GlobalEventHandlersEventMap extends MyProxyLogonEventMap {}
}
