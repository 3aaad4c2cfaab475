/**
 * The templates of <myproxy-logon>, as functions of a plain view model: form, progress,
 * result (with its PKCS#12 password form) and error. Every region carries a `part`.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { LogonStep } from '../shared/myproxy/client.js';
import type { MyProxyLogonErrorDetail } from './events.js';
import { format, formatRemaining, type MyProxyLogonStrings } from './strings.js';

export type Phase = 'idle' | 'working' | 'success' | 'error';

export interface IssuedView {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isProxy: boolean;
  /** The private key can be written out (PEM, PKCS#12, clipboard). */
  exportable: boolean;
}

export interface LogonView {
  s: MyProxyLogonStrings;
  phase: Phase;
  step: LogonStep | undefined;
  statusText: string;
  username: string;
  credentialName: string;
  issued: IssuedView | undefined;
  failure: MyProxyLogonErrorDetail | undefined;
  now: number;
  pkcs12Open: boolean;
  pkcs12Error: string;
}

export interface LogonHandlers {
  submit(event: SubmitEvent): void;
  warm(): void;
  usernameInput(event: Event): void;
  credentialNameInput(event: Event): void;
  cancel(): void;
  downloadPem(): void;
  openPkcs12(): void;
  savePkcs12(event: SubmitEvent): void;
  closePkcs12(): void;
  copyPem(): void;
  forget(): void;
}

const STEP_INDEX: Record<LogonStep, number> = { 'generating-key': 0, connecting: 1, handshake: 2, requesting: 3, done: 4 };

type Part = TemplateResult | typeof nothing;

/** `manage`: shown in the result box; `afterError`: shown below the error (the bootstrap offer). */
export function renderLogon(view: LogonView, on: LogonHandlers, manage: Part, afterError: Part = nothing): TemplateResult {
  const { s } = view;
  const working = view.phase === 'working';
  return html`
    <form part="form" @submit=${on.submit} @focusin=${on.warm} @input=${on.warm} aria-busy=${working ? 'true' : 'false'}>
      <div part="field" class="field">
        <label part="label" for="username">${s.usernameLabel}</label>
        <input part="input" id="username" name="username" autocomplete="username" autocapitalize="off" spellcheck="false" required
          .value=${live(view.username)} @input=${on.usernameInput} />
      </div>
      <div part="field" class="field">
        <label part="label" for="passphrase">${s.passphraseLabel}</label>
        <input part="input" id="passphrase" name="passphrase" type="password" autocomplete="current-password" required />
      </div>
      <div part="field" class="field">
        <label part="label" for="credname">${s.credentialNameLabel}</label>
        <input part="input" id="credname" name="credname" autocomplete="off" autocapitalize="off" spellcheck="false"
          .value=${live(view.credentialName)} @input=${on.credentialNameInput} />
      </div>
      <div part="actions" class="actions">
        <button part="button submit-button" type="submit" ?disabled=${working}>${s.submit}</button>
        ${working ? html`<button part="button cancel-button" class="secondary" type="button" @click=${on.cancel}>${s.cancel}</button>` : nothing}
      </div>
    </form>
    ${working
      ? html`<progress part="progress" max="4" .value=${STEP_INDEX[view.step ?? 'generating-key']} aria-label=${s.progressLabel}></progress>`
      : nothing}
    <p part="status" class="status" role="status" aria-live="polite">${view.statusText}</p>
    ${view.phase === 'success' && view.issued ? renderResult(view, view.issued, on, manage) : nothing}
    ${view.phase === 'error' && view.failure ? renderError(s, view.failure) : nothing}
    ${afterError}
  `;
}

export function renderTime(date: Date, className: string): TemplateResult {
  const iso = date.toISOString();
  return html`<time datetime=${iso}>${date.toLocaleString()}</time> (<code class=${className}>${iso}</code>)`;
}

function renderResult(view: LogonView, issued: IssuedView, on: LogonHandlers, manage: TemplateResult | typeof nothing): TemplateResult {
  const { s } = view;
  const left = issued.notAfter.getTime() - view.now;
  return html`
    <section part="result" class="result" aria-labelledby="result-heading">
      <h2 id="result-heading" part="result-heading">${s.resultHeading}</h2>
      <dl part="details">
        <dt>${s.subjectLabel}</dt>
        <dd class="subject">${issued.subject}</dd>
        <dt>${s.issuerLabel}</dt>
        <dd class="issuer">${issued.issuer}</dd>
        <dt>${s.kindLabel}</dt>
        <dd class="kind">${issued.isProxy ? s.kindProxy : s.kindEndEntity}</dd>
        <dt>${s.validFromLabel}</dt>
        <dd class="not-before">${renderTime(issued.notBefore, 'not-before-iso')}</dd>
        <dt>${s.validUntilLabel}</dt>
        <dd class="not-after">
          ${renderTime(issued.notAfter, 'not-after-iso')}
          <span part="countdown" class="countdown">${format(s.expiresIn, { time: formatRemaining(left, s) })}</span>
        </dd>
      </dl>
      ${issued.exportable ? nothing : html`<p part="note" class="note">${s.keyNotExportable}</p>`}
      <div part="result-actions" class="actions">
        ${issued.exportable
          ? html`
              <button part="button download-button" class="secondary" type="button" @click=${on.downloadPem}>${s.downloadPem}</button>
              <button part="button pkcs12-button" class="secondary" type="button" aria-expanded=${view.pkcs12Open ? 'true' : 'false'}
                aria-controls="pkcs12-form" @click=${on.openPkcs12}>${s.downloadPkcs12}</button>
              <button part="button copy-button" class="secondary" type="button" @click=${on.copyPem}>${s.copyPem}</button>
            `
          : nothing}
        <button part="button forget-button" class="secondary" type="button" @click=${on.forget}>${s.forget}</button>
      </div>
      ${view.pkcs12Open ? renderPkcs12(view, on) : nothing}
      ${manage}
    </section>
  `;
}

function renderPkcs12(view: LogonView, on: LogonHandlers): TemplateResult {
  const { s } = view;
  const invalid = view.pkcs12Error ? 'true' : 'false';
  return html`
    <form id="pkcs12-form" part="pkcs12-form" class="pkcs12" @submit=${on.savePkcs12} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && on.closePkcs12()}>
      <fieldset>
        <legend part="legend">${s.pkcs12Legend}</legend>
        <div part="field" class="field">
          <label part="label" for="pkcs12-password">${s.pkcs12Password}</label>
          <input part="input" id="pkcs12-password" type="password" autocomplete="new-password" required aria-invalid=${invalid}
            aria-describedby="pkcs12-error" />
        </div>
        <div part="field" class="field">
          <label part="label" for="pkcs12-confirm">${s.pkcs12Confirm}</label>
          <input part="input" id="pkcs12-confirm" type="password" autocomplete="new-password" required aria-invalid=${invalid}
            aria-describedby="pkcs12-error" />
        </div>
        <p id="pkcs12-error" part="field-error" class="field-error" role="alert">${view.pkcs12Error}</p>
        <div class="actions">
          <button part="button pkcs12-save-button" type="submit">${s.pkcs12Save}</button>
          <button part="button" class="secondary" type="button" @click=${on.closePkcs12}>${s.pkcs12Cancel}</button>
        </div>
      </fieldset>
    </form>
  `;
}

function renderError(s: MyProxyLogonStrings, failure: MyProxyLogonErrorDetail): TemplateResult {
  return html`
    <div part="error" class="error" role="alert" tabindex="-1">
      <p class="message">${failure.message}</p>
      <p>${s.errorCodeLabel} <code class="code">${failure.code}</code></p>
    </div>
  `;
}
