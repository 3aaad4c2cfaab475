/**
 * The Manage view of <myproxy-logon>, shown in the result box after a logon: the user's stored
 * credentials (INFO), change pass phrase and destroy, each over a new TLS connection
 * authenticated with the credential just obtained (web/manage.ts). A Lit reactive controller:
 * it keeps its own state and asks the element to render. Pass phrases are read from their
 * inputs at submit, the inputs are cleared at once, and they are never kept.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { toMyProxyWebError } from '../shared/errors.js';
import { MIN_NEW_PASS_PHRASE_LENGTH } from '../shared/myproxy/command.js';
import type { MyProxyLogonErrorDetail } from './events.js';
import type { CredentialInfo, MyProxyManageSession } from './manage.js';
import { format, type MyProxyLogonStrings } from './strings.js';
import { renderTime } from './templates.js';

export interface ManageViewHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
}

type Mode = 'none' | 'change' | 'confirm';

export class ManageView implements ReactiveController {
  #session: MyProxyManageSession | undefined;
  #abort = new AbortController();
  #open = false;
  #list: CredentialInfo[] | undefined;
  #selected = '';
  #busy = false;
  #status = '';
  #error: MyProxyLogonErrorDetail | undefined;
  #mode: Mode = 'none';
  #fieldError = '';

  constructor(
    private readonly host: ManageViewHost,
    private readonly strings: () => MyProxyLogonStrings,
    /** Makes the session for the credential held now (with this view's abort signal); undefined without one. */
    private readonly newSession: (signal: AbortSignal) => MyProxyManageSession | undefined,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.reset();
  }

  /** Forgets everything (the credential was wiped or replaced); a running call is aborted. */
  reset(): void {
    this.#abort.abort();
    this.#abort = new AbortController();
    this.#session = undefined;
    this.#open = false;
    this.#list = undefined;
    this.#selected = '';
    this.#busy = false;
    this.#status = '';
    this.#error = undefined;
    this.#mode = 'none';
    this.#fieldError = '';
  }

  #update(): void {
    this.host.requestUpdate();
  }

  #focus(selector: string): void {
    void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  #label(name: string | undefined): string {
    return name === undefined || name === '' ? this.strings().manageDefaultName : name;
  }

  /** Runs one server call with the busy flag, the status line and the error box. */
  async #call<T>(status: string, work: (session: MyProxyManageSession) => Promise<T>): Promise<T | undefined> {
    const signal = this.#abort.signal;
    if (this.#busy) return undefined;
    this.#busy = true;
    this.#error = undefined;
    this.#status = status;
    this.#update();
    try {
      this.#session ??= this.newSession(signal);
      if (!this.#session) return undefined;
      return await work(this.#session);
    } catch (caught) {
      if (signal.aborted) return undefined;
      const { code, message } = toMyProxyWebError(caught);
      this.#error = { code, message };
      this.#status = this.strings().manageFailed;
      this.#focus('[part~="manage-error"]');
      return undefined;
    } finally {
      if (!signal.aborted) {
        this.#busy = false;
        this.#update();
      }
    }
  }

  async refresh(done = ''): Promise<void> {
    const s = this.strings();
    const list = await this.#call(s.manageLoading, async (session) => {
      try {
        return await session.list();
      } catch (caught) {
        // The server answers INFO for a user without (own) credentials with this error: an empty list.
        const error = toMyProxyWebError(caught);
        if (error.code === 'MYPROXY_REJECTED' && /no credentials found/i.test(error.message)) return [];
        throw error;
      }
    });
    if (!list) return;
    this.#list = list;
    if (!list.some((c) => (c.name ?? '') === this.#selected)) this.#selected = list[0]?.name ?? '';
    this.#status = `${done ? `${done} ` : ''}${format(s.manageCount, { count: list.length })}`;
  }

  #toggle = (): void => {
    this.#open = !this.#open;
    this.#update();
    if (this.#open && !this.#list && !this.#busy) void this.refresh();
  };

  #select = (event: Event): void => {
    this.#selected = (event.target as HTMLSelectElement).value;
    this.#mode = 'none';
    this.#fieldError = '';
    this.#update();
  };

  #setMode(mode: Mode): void {
    this.#mode = this.#mode === mode ? 'none' : mode;
    this.#fieldError = '';
    this.#error = undefined;
    this.#update();
    if (this.#mode === 'change') this.#focus('#manage-old');
    if (this.#mode === 'confirm') this.#focus('[part~="manage-confirm-cancel"]');
  }

  #closeForm = (focus: string): void => {
    this.#mode = 'none';
    this.#fieldError = '';
    this.#update();
    this.#focus(focus);
  };

  #change = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault();
    const s = this.strings();
    const root = this.host.renderRoot;
    const inputs = ['#manage-old', '#manage-new', '#manage-repeat'].map((id) => root.querySelector<HTMLInputElement>(id));
    const [oldPassphrase, newPassphrase, repeat] = inputs.map((input) => input?.value ?? '');
    for (const input of inputs) if (input) input.value = '';
    const name = this.#selected;
    this.#fieldError = !oldPassphrase
      ? s.manageEnterOld
      : newPassphrase!.length < MIN_NEW_PASS_PHRASE_LENGTH
        ? format(s.manageTooShort, { min: MIN_NEW_PASS_PHRASE_LENGTH })
        : newPassphrase !== repeat
          ? s.manageMismatch
          : '';
    if (this.#fieldError) {
      this.#update();
      this.#focus('#manage-old');
      return;
    }
    const ok = await this.#call(s.manageChanging, async (session) => {
      await session.changePassphrase({ ...(name ? { name } : {}), oldPassphrase: oldPassphrase!, newPassphrase: newPassphrase! });
      return true;
    });
    if (!ok) return;
    this.#mode = 'none';
    this.#status = format(s.manageChanged, { name: this.#label(name) });
    this.#focus('[part~="manage-change-button"]');
  };

  #destroy = async (): Promise<void> => {
    const s = this.strings();
    const name = this.#selected;
    const ok = await this.#call(s.manageDestroying, async (session) => {
      await session.destroy(name || undefined);
      return true;
    });
    if (!ok) return;
    this.#mode = 'none';
    await this.refresh(format(s.manageDestroyed, { name: this.#label(name) }));
    this.#focus('[part~="manage-refresh-button"]');
  };

  render(): TemplateResult {
    const s = this.strings();
    const open = this.#open;
    return html`
      <section part="manage" class="manage">
        <button part="button manage-button" class="secondary" type="button" aria-expanded=${open ? 'true' : 'false'}
          aria-controls="manage-panel" @click=${this.#toggle}>${s.manageOpen}</button>
        ${open ? this.#renderPanel(s) : nothing}
      </section>
    `;
  }

  #renderPanel(s: MyProxyLogonStrings): TemplateResult {
    const list = this.#list;
    const busy = this.#busy;
    return html`
      <div id="manage-panel" part="manage-panel" class="manage-panel" role="region" aria-labelledby="manage-heading" aria-busy=${busy ? 'true' : 'false'}>
        <div class="manage-head">
          <h3 id="manage-heading" part="manage-heading">${s.manageHeading}</h3>
          <button part="button manage-refresh-button" class="secondary" type="button" ?disabled=${busy} @click=${() => void this.refresh()}>
            ${s.manageRefresh}
          </button>
        </div>
        <p part="manage-status" class="status" role="status" aria-live="polite">${this.#status}</p>
        ${list && list.length > 0
          ? html`
              <ul part="manage-list" class="manage-list">
                ${list.map((c) => this.#renderItem(s, c))}
              </ul>
              <div part="field" class="field">
                <label part="label" for="manage-select">${s.manageSelect}</label>
                <select part="select" id="manage-select" ?disabled=${busy} @change=${this.#select}>
                  ${list.map((c) => html`<option value=${c.name ?? ''} ?selected=${(c.name ?? '') === this.#selected}>${this.#label(c.name)}</option>`)}
                </select>
              </div>
              <div part="manage-actions" class="actions">
                <button part="button manage-change-button" class="secondary" type="button" ?disabled=${busy}
                  aria-expanded=${this.#mode === 'change' ? 'true' : 'false'} aria-controls="manage-change-form"
                  @click=${() => this.#setMode('change')}>${s.manageChange}</button>
                <button part="button manage-destroy-button" class="secondary" type="button" ?disabled=${busy}
                  aria-expanded=${this.#mode === 'confirm' ? 'true' : 'false'} aria-controls="manage-confirm"
                  @click=${() => this.#setMode('confirm')}>${s.manageDestroy}</button>
              </div>
              ${this.#mode === 'change' ? this.#renderChange(s) : nothing}
              ${this.#mode === 'confirm' ? this.#renderConfirm(s) : nothing}
            `
          : nothing}
        ${this.#error
          ? html`
              <div part="manage-error" class="error" role="alert" tabindex="-1">
                <p class="message">${this.#error.message}</p>
                <p>${s.errorCodeLabel} <code class="code">${this.#error.code}</code></p>
              </div>
            `
          : nothing}
      </div>
    `;
  }

  #renderItem(s: MyProxyLogonStrings, c: CredentialInfo): TemplateResult {
    const row = (label: string, value: string | undefined, className: string) =>
      value === undefined || value === '' ? nothing : html`<dt>${label}</dt><dd class=${className}>${value}</dd>`;
    return html`
      <li part="manage-item" class="manage-item" data-name=${c.name ?? ''}>
        <h4 class="cred-name">${this.#label(c.name)}</h4>
        <dl part="manage-details">
          ${row(s.manageDescription, c.description, 'cred-description')}
          ${row(s.manageOwner, c.owner, 'cred-owner')}
          ${c.startTime ? html`<dt>${s.validFromLabel}</dt><dd class="cred-start">${renderTime(c.startTime, 'cred-start-iso')}</dd>` : nothing}
          ${c.endTime ? html`<dt>${s.validUntilLabel}</dt><dd class="cred-end">${renderTime(c.endTime, 'cred-end-iso')}</dd>` : nothing}
          ${row(s.manageRetrievers, c.retriever, 'cred-retrievers')}
          ${row(s.manageKeyRetrievers, c.keyRetrievers, 'cred-key-retrievers')}
          ${row(s.manageTrustedRetrievers, c.trustedRetrievers, 'cred-trusted-retrievers')}
          ${row(s.manageRenewers, c.renewer, 'cred-renewers')}
          ${row(s.manageLocked, c.lockMessage, 'cred-locked')}
        </dl>
      </li>
    `;
  }

  #renderChange(s: MyProxyLogonStrings): TemplateResult {
    const invalid = this.#fieldError ? 'true' : 'false';
    const field = (id: string, label: string, autocomplete: string) => html`
      <div part="field" class="field">
        <label part="label" for=${id}>${label}</label>
        <input part="input" id=${id} type="password" autocomplete=${autocomplete} required aria-invalid=${invalid} aria-describedby="manage-field-error" />
      </div>
    `;
    return html`
      <form id="manage-change-form" part="manage-change-form" class="pkcs12" @submit=${(e: SubmitEvent) => void this.#change(e)}
        @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.#closeForm('[part~="manage-change-button"]')}>
        <fieldset ?disabled=${this.#busy}>
          <legend part="legend">${format(s.manageChangeLegend, { name: this.#label(this.#selected) })}</legend>
          ${field('manage-old', s.manageOldPassphrase, 'current-password')}
          ${field('manage-new', s.manageNewPassphrase, 'new-password')}
          ${field('manage-repeat', s.manageRepeatPassphrase, 'new-password')}
          <p id="manage-field-error" part="field-error" class="field-error" role="alert">${this.#fieldError}</p>
          <div class="actions">
            <button part="button manage-change-submit" type="submit">${s.manageChangeSubmit}</button>
            <button part="button" class="secondary" type="button" @click=${() => this.#closeForm('[part~="manage-change-button"]')}>${s.manageCancel}</button>
          </div>
        </fieldset>
      </form>
    `;
  }

  #renderConfirm(s: MyProxyLogonStrings): TemplateResult {
    const name = this.#label(this.#selected);
    return html`
      <div id="manage-confirm" part="manage-confirm" class="manage-confirm"
        @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.#closeForm('[part~="manage-destroy-button"]')}>
        <p>${format(s.manageConfirmText, { name })}</p>
        <div class="actions">
          <button part="button manage-confirm-button" class="danger" type="button" ?disabled=${this.#busy} @click=${() => void this.#destroy()}>
            ${format(s.manageReallyDestroy, { name })}
          </button>
          <button part="button manage-confirm-cancel" class="secondary" type="button" @click=${() => this.#closeForm('[part~="manage-destroy-button"]')}>
            ${s.manageCancel}
          </button>
        </div>
      </div>
    `;
  }
}
