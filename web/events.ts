/** Events fired by <myproxy-logon>. Both bubble and are composed (they cross shadow roots). */
import type { ErrorCode } from '../shared/errors.js';

export interface MyProxyLogonSuccessDetail {
  /** The credential as PEM: certificate, PKCS#1 private key, then the rest of the chain. Secret: do not log it. */
  pem: string;
  /** Subject DN of the issued certificate. */
  subject: string;
  /** The expiry the server actually issued (it may be shorter than requested). */
  notAfter: Date;
}

export interface MyProxyLogonErrorDetail {
  /** A stable code from shared/errors.ts (docs/errors.md), e.g. MYPROXY_AUTH_FAILED. */
  code: ErrorCode;
  /** A message for people; the MyProxy server's own error text where there is one. */
  message: string;
}

export const LOGON_SUCCESS_EVENT = 'myproxy-logon-success';
export const LOGON_ERROR_EVENT = 'myproxy-logon-error';

export type MyProxyLogonSuccessEvent = CustomEvent<MyProxyLogonSuccessDetail>;
export type MyProxyLogonErrorEvent = CustomEvent<MyProxyLogonErrorDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'myproxy-logon-success': MyProxyLogonSuccessEvent;
    'myproxy-logon-error': MyProxyLogonErrorEvent;
  }
}
