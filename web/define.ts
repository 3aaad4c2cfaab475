/**
 * Entry point of dist/myproxy-logon.js: registers <myproxy-logon> once, even if the bundle
 * is loaded twice, and re-exports the public API.
 */
import { MyProxyLogonElement } from './myproxy-logon.js';

export { MyProxyLogonElement, DEFAULT_LIFETIME_HOURS, CREDENTIAL_FILENAME, CREDENTIAL_MEDIA_TYPE } from './myproxy-logon.js';
export { LOGON_ERROR_EVENT, LOGON_SUCCESS_EVENT } from './events.js';
export type {
  MyProxyLogonErrorDetail,
  MyProxyLogonErrorEvent,
  MyProxyLogonSuccessDetail,
  MyProxyLogonSuccessEvent,
} from './events.js';

export const TAG_NAME = 'myproxy-logon';

if (!customElements.get(TAG_NAME)) customElements.define(TAG_NAME, MyProxyLogonElement);

declare global {
  interface HTMLElementTagNameMap {
    'myproxy-logon': MyProxyLogonElement;
  }
}
