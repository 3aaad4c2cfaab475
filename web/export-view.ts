/**
 * The result box's export actions of <myproxy-logon> as a Lit reactive controller: Download
 * PEM, the PKCS#12 password form (open state, validation message, save) and Copy PEM. The
 * PKCS#12 password is read from its inputs at submit, the inputs are cleared at once, and it is
 * never kept.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toMyProxyWebError } from '../shared/errors.js';
import type { LogonResult } from '../shared/myproxy/client.js';
import { copyText, downloadBytes } from './download.js';
import { checkPkcs12Password, savePkcs12 } from './export.js';
import type { MyProxyLogonStrings } from './strings.js';
import type { LogonHandlers } from './templates.js';

/** Default file name of the PEM download (the `filename` attribute); the PKCS#12 file ends in .p12 instead. */
export const CREDENTIAL_FILENAME = 'credential.pem';
export const CREDENTIAL_MEDIA_TYPE = 'application/x-pem-file';

export interface ExportHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
  filename: string;
}

export type ExportHandlers = Pick<LogonHandlers, 'downloadPem' | 'openPkcs12' | 'closePkcs12' | 'savePkcs12' | 'copyPem'>;

export class ExportActions implements ReactiveController {
  /** The PKCS#12 form is open. */
  open = false;
  /** Its validation message, or ''. */
  error = '';

  constructor(
    private readonly host: ExportHost,
    private readonly strings: () => MyProxyLogonStrings,
    private readonly held: () => { credential: LogonResult | undefined; pem: string | undefined },
    private readonly status: (text: string) => void,
  ) {
    host.addController(this);
  }

  hostConnected(): void {}

  reset(): void {
    this.open = false;
    this.error = '';
    this.host.requestUpdate();
  }

  #filename(): string {
    return this.host.filename || CREDENTIAL_FILENAME;
  }

  #focus(selector: string): void {
    void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  readonly handlers: ExportHandlers = {
    downloadPem: () => {
      const pem = this.held().pem;
      if (pem !== undefined) downloadBytes(pem, this.#filename(), CREDENTIAL_MEDIA_TYPE);
    },
    openPkcs12: () => {
      this.open = !this.open;
      this.error = '';
      this.host.requestUpdate();
      if (this.open) this.#focus('#pkcs12-password');
    },
    closePkcs12: () => {
      this.reset();
      this.#focus('[part~="pkcs12-button"]');
    },
    savePkcs12: (event) => void this.#savePkcs12(event),
    copyPem: () => void this.#copyPem(),
  };

  async #savePkcs12(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const s = this.strings();
    const password = this.host.renderRoot.querySelector<HTMLInputElement>('#pkcs12-password');
    const confirm = this.host.renderRoot.querySelector<HTMLInputElement>('#pkcs12-confirm');
    const value = password?.value ?? '';
    const again = confirm?.value ?? '';
    const credential = this.held().credential;
    if (!credential) return;
    this.error = checkPkcs12Password(value, again, s);
    if (password) password.value = '';
    if (confirm) confirm.value = '';
    this.host.requestUpdate();
    if (this.error) {
      password?.focus();
      return;
    }
    try {
      await savePkcs12(credential, value, this.#filename());
      this.open = false;
      this.status(s.pkcs12Saved);
      this.#focus('[part~="pkcs12-button"]');
    } catch (caught) {
      this.error = toMyProxyWebError(caught).message;
    }
    this.host.requestUpdate();
  }

  async #copyPem(): Promise<void> {
    const pem = this.held().pem;
    if (pem === undefined) return;
    this.status((await copyText(pem)) ? this.strings().copied : this.strings().copyFailed);
  }
}
