/**
 * Entry point of dist/myproxy-logon.js: registers <myproxy-logon> once, even if the bundle
 * is loaded twice, and re-exports the public API.
 */
import { MyProxyLogonElement } from './myproxy-logon.js';

export {
  MyProxyLogonElement,
  DEFAULT_LIFETIME_HOURS,
  CREDENTIAL_FILENAME,
  CREDENTIAL_MEDIA_TYPE,
  PKCS12_MEDIA_TYPE,
  PKCS12_MIN_PASSWORD_LENGTH,
  pkcs12Name,
  type MyProxyLogonOptions,
} from './myproxy-logon.js';
export {
  LOGON_CLEARED_EVENT,
  LOGON_ERROR_EVENT,
  LOGON_PROGRESS_EVENT,
  LOGON_START_EVENT,
  LOGON_SUCCESS_EVENT,
  LOGON_TRUST_EVENT,
} from './events.js';
export type * from './events.js';
export { DEFAULT_STRINGS, type MyProxyLogonStrings } from './strings.js';
export { createMyProxyLogon, type MyProxyLogonClient, type MyProxyLogonConfig, type HeadlessLogonOptions } from './headless.js';
export type { MyProxyManageSession, ManageOptions, ChangePassphraseOptions, CredentialInfo } from './manage.js';

export const TAG_NAME = 'myproxy-logon';

if (!customElements.get(TAG_NAME)) customElements.define(TAG_NAME, MyProxyLogonElement);

declare global {
  interface HTMLElementTagNameMap {
    'myproxy-logon': MyProxyLogonElement;
  }
}
