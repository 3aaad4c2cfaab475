import { LitElement, html, nothing, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { MyProxyWebError, toMyProxyWebError } from '../shared/errors.js';
import type { BootstrapCa } from '../shared/myproxy/bootstrap.js';
import type { LogonResult, LogonStep } from '../shared/myproxy/client.js';
import { credentialToPem } from '../shared/pki/credential.js';
import { KEY_TYPES, type KeyType } from '../shared/pki/keys.js';
import { BOOTSTRAP_CODES, BootstrapView, trustDetail } from './bootstrap-view.js';
import { CredentialHolder } from './credential-holder.js';
import { logonEvent, type MyProxyLogonClearedReason, type MyProxyLogonErrorDetail } from './events.js';
import { CREDENTIAL_FILENAME, ExportActions } from './export-view.js';
import { createMyProxyLogon, DEFAULT_LIFETIME_HOURS, type MyProxyLogonClient } from './headless.js';
import { checkLogonInputs, stepLabel } from './inputs.js';
import { KeyPregenerator } from './key-pregen.js';
import { ManageView } from './manage-view.js';
import { logonStyles } from './styles.js';
import { DEFAULT_STRINGS, type MyProxyLogonStrings } from './strings.js';
import { renderLogon, type IssuedView, type LogonHandlers, type Phase } from './templates.js';

export { DEFAULT_LIFETIME_HOURS };
export { CREDENTIAL_FILENAME, CREDENTIAL_MEDIA_TYPE } from './export-view.js';
export { PKCS12_MEDIA_TYPE, PKCS12_MIN_PASSWORD_LENGTH, pkcs12Name } from './export.js';

/** What `logon()` may override; anything absent is taken from the attributes and the form. */
export interface MyProxyLogonOptions {
  username?: string;
  /** Else the value of the Pass phrase field (which is then cleared). Never stored. */
  passphrase?: string;
  lifetimeHours?: number;
  keyType?: KeyType;
  /** CRED_NAME of a named stored credential; else the Credential name field's value. */
  credentialName?: string;
}

/**
 * Gets a short-lived X.509 credential from a MyProxy server, in the page. The key pair is made
 * here with WebCrypto (while the user types), TLS runs here, and the WebSocket bridge only
 * relays encrypted bytes: neither the pass phrase nor the private key leaves the browser.
 *
 * @element myproxy-logon
 *
 * @attr bridge - WebSocket URL of the myproxy-bridge (ws:// or wss://).
 * @attr server - Host name of the MyProxy server; its certificate must match this name.
 * @attr trust-roots - URL of a PEM bundle of the CA certificates that may sign the server's certificate.
 * @attr username - MyProxy user name; initial value of the Username field.
 * @attr lifetime - Requested lifetime in hours (default 12). The server may issue less.
 * @attr key-type - rsa-2048 (default), rsa-3072, rsa-4096 or ec-p256 (CA-mode servers refuse EC keys).
 * @attr export - "pem" (default): the credential can be downloaded and copied; "none": the private key is non-extractable and used in this page only.
 * @attr filename - Name of the PEM download (default credential.pem); the PKCS#12 download uses it with .p12.
 * @attr credname - Initial value of the optional Credential name field (CRED_NAME, myproxy-logon -k).
 * @attr allow-bootstrap - When the server's CA is not trusted, offer to trust the CA it presents after showing its SHA-256 fingerprint (in memory, this element only).
 *
 * @prop {string} bridgeToken - Short-lived gateway token when the bridge runs with --token-secret (sent as the `myproxy-token.<token>` subprotocol; never an attribute).
 * @prop {Partial<MyProxyLogonStrings>} strings - Replaces any visible text (see web/strings.ts).
 * @prop {LogonResult | undefined} credential - The credential held in memory (read only), until Forget or expiry.
 * @prop {'idle' | 'working' | 'success' | 'error'} state - What the element shows (read only).
 *
 * The pass phrase is deliberately not an attribute or property: it is read from its input
 * when the form is submitted, and the input is cleared at once.
 *
 * @fires myproxy-logon-start - `detail: { username, server, keyType, lifetimeHours }` when a logon begins.
 * @fires myproxy-logon-progress - `detail: { step, label }` at each step: generating-key, connecting, handshake, requesting, done.
 * @fires myproxy-logon-success - `detail: { pem?, subject, issuer, notBefore, notAfter, isProxy, credential }`.
 * @fires myproxy-logon-error - `detail: { code, message }` when getting a credential failed (code ABORTED after Cancel).
 * @fires myproxy-logon-cleared - `detail: { reason }` when the credential was wiped: forget, expired, replaced, disconnected.
 * @fires myproxy-logon-trust - `detail: { subject, fingerprint, pem }` for each CA the user chose to trust (allow-bootstrap); the page may keep the PEM.
 *
 * @csspart form - The logon form.
 * @csspart field - Each label + input pair.
 * @csspart label - Each field's label.
 * @csspart input - Each input.
 * @csspart actions - The row of form buttons.
 * @csspart button - Every button (also submit-button, cancel-button, download-button, pkcs12-button, copy-button, forget-button, pkcs12-save-button).
 * @csspart progress - The progress bar shown while working.
 * @csspart status - The live status line.
 * @csspart result - The box describing the issued credential.
 * @csspart result-heading - Its heading.
 * @csspart details - The list of subject, issuer, kind and validity.
 * @csspart countdown - The live time-left text.
 * @csspart note - The note shown when the key is not exportable.
 * @csspart result-actions - The row of result buttons.
 * @csspart pkcs12-form - The PKCS#12 password form.
 * @csspart legend - Its legend.
 * @csspart field-error - Its validation message.
 * @csspart error - The alert shown when something failed.
 * @csspart manage - The Manage section in the result box; its buttons: manage-button, manage-refresh-button, manage-change-button, manage-destroy-button, manage-change-submit, manage-confirm-button, manage-confirm-cancel.
 * @csspart manage-panel - The expanded Manage panel, with manage-heading, manage-status (live), manage-actions and manage-error (the alert when an action failed).
 * @csspart manage-list - The stored credentials: a manage-item each, with manage-details; `select` is the credential selector.
 * @csspart manage-change-form - The change pass phrase form; manage-confirm is the destroy confirmation.
 * @csspart bootstrap - The "Trust this server's CA?" offer (allow-bootstrap); also bootstrap-heading, bootstrap-status, bootstrap-list, bootstrap-ca, bootstrap-actions, bootstrap-trust-button, bootstrap-decline-button, bootstrap-error.
 *
 * @slot manage - Extension point: content shown in the result box after the Manage view.
 *
 * @cssprop --myproxy-logon-accent - Button, focus and progress colour.
 * @cssprop --myproxy-logon-accent-contrast - Text colour on accent-coloured buttons.
 * @cssprop --myproxy-logon-color - Text colour.
 * @cssprop --myproxy-logon-background - Background of the result and error boxes.
 * @cssprop --myproxy-logon-border-color - Border colour of inputs.
 * @cssprop --myproxy-logon-success-color - Border colour of the result box.
 * @cssprop --myproxy-logon-error-color - Colour of the error box.
 * @cssprop --myproxy-logon-muted-color - Colour of secondary text.
 * @cssprop --myproxy-logon-gap - Spacing between parts.
 * @cssprop --myproxy-logon-radius - Corner radius of inputs, buttons and boxes.
 * @cssprop --myproxy-logon-font - Font (default: inherited).
 * @cssprop --myproxy-logon-mono-font - Font of codes and timestamps.
 */
export class MyProxyLogonElement extends LitElement {
  static override properties: PropertyDeclarations = {
    bridge: { type: String },
    bridgeToken: { attribute: false },
    server: { type: String },
    trustRoots: { type: String, attribute: 'trust-roots' },
    username: { type: String },
    lifetime: { type: Number },
    keyType: { type: String, attribute: 'key-type' },
    export: { type: String },
    filename: { type: String },
    credentialName: { type: String, attribute: 'credname' },
    allowBootstrap: { type: Boolean, attribute: 'allow-bootstrap' },
    strings: { attribute: false },
    phase: { state: true },
    step: { state: true },
    statusText: { state: true },
    issued: { state: true },
    failure: { state: true },
    now: { state: true },
  };

  static override styles = logonStyles;

  declare bridge: string;
  /** Short-lived gateway token for a bridge run with --token-secret (shared/tunnel-token.ts); a property only. */
  declare bridgeToken: string;
  declare server: string;
  declare trustRoots: string;
  declare username: string;
  declare lifetime: number;
  declare keyType: KeyType;
  declare export: 'pem' | 'none';
  declare filename: string;
  declare credentialName: string;
  declare allowBootstrap: boolean;
  declare strings: Partial<MyProxyLogonStrings>;

  declare protected phase: Phase;
  declare protected step: LogonStep | undefined;
  declare protected statusText: string;
  declare protected issued: IssuedView | undefined;
  declare protected failure: MyProxyLogonErrorDetail | undefined;
  declare protected now: number;

  /** The issued credential and its PEM, in memory only; never logged, never reflected. */
  #held = new CredentialHolder(
    (now) => (this.now = now),
    () => {
      this.#wipe('expired');
      this.statusText = this.#s.expiredWiped;
    },
  );
  #abort: AbortController | undefined;
  #keys = new KeyPregenerator();
  #client: { key: string; client: MyProxyLogonClient } | undefined;
  #focusError = false;
  /** CA certificates trusted through the bootstrap offer: this element, in memory only. */
  #extraRoots: Uint8Array[] = [];
  /** The client and user name that got the credential held (for the Manage view). */
  #heldBy: { client: MyProxyLogonClient; username: string } | undefined;
  #export = new ExportActions(this, () => this.#s, () => this.#held, (text) => (this.statusText = text));
  #manage = new ManageView(this, () => this.#s, (signal) => {
    const { credential } = this.#held;
    return credential && this.#heldBy ? this.#heldBy.client.manage(credential, { username: this.#heldBy.username, signal }) : undefined;
  });
  #bootstrap = new BootstrapView(this, () => this.#s, () => this.server, (cas) => this.#trust(cas));

  constructor() {
    super();
    this.bridge = '';
    this.bridgeToken = '';
    this.server = '';
    this.trustRoots = '';
    this.username = '';
    this.lifetime = DEFAULT_LIFETIME_HOURS;
    this.keyType = 'rsa-2048';
    this.export = 'pem';
    this.filename = CREDENTIAL_FILENAME;
    this.credentialName = '';
    this.allowBootstrap = false;
    this.strings = {};
    this.phase = 'idle';
    this.step = undefined;
    this.statusText = '';
    this.issued = undefined;
    this.failure = undefined;
    this.now = Date.now();
  }

  /** The credential held in memory (certificate, chain, CryptoKey), until Forget or expiry. */
  get credential(): LogonResult | undefined {
    return this.#held.credential;
  }

  /** What the element shows: idle, working, success or error. */
  get state(): Phase {
    return this.phase;
  }

  get #s(): MyProxyLogonStrings {
    return { ...DEFAULT_STRINGS, ...this.strings };
  }

  get #extractable(): boolean {
    return this.export !== 'none';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
    this.#keys.discard();
    this.#wipe('disconnected');
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A key made for other settings must not be used.
    if (changed.has('keyType') || changed.has('export')) this.#keys.discard();
  }

  protected override updated(): void {
    if (this.#focusError) this.#focus('[part="error"]');
    this.#focusError = false;
  }

  /** Moves focus to `selector` in the shadow root once rendered. */
  #focus(selector: string): void {
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(selector)?.focus());
  }

  protected override render(): TemplateResult {
    const { phase, step, statusText, username, credentialName, issued, failure, now } = this;
    const pkcs12 = { pkcs12Open: this.#export.open, pkcs12Error: this.#export.error };
    const view = { s: this.#s, phase, step, statusText, username, credentialName, issued, failure, now, ...pkcs12 };
    return renderLogon(view, this.#handlers, this.renderManage(), this.#bootstrap.render());
  }

  /**
   * The Manage view (stored credentials via INFO, change pass phrase, destroy, with
   * `this.credential` as TLS client certificate; web/manage-view.ts), then the `manage` slot.
   * A subclass may return its own template here.
   */
  protected renderManage(): TemplateResult | typeof nothing {
    return html`${this.#manage.render()}<slot name="manage"></slot>`;
  }

  #handlers: LogonHandlers = {
    submit: (event) => {
      event.preventDefault();
      if (this.phase === 'working') return;
      this.logon().catch(() => undefined); // Reported through events and the status line.
    },
    warm: () => this.#warm(),
    usernameInput: (event) => void (this.username = (event.target as HTMLInputElement).value),
    credentialNameInput: (event) => void (this.credentialName = (event.target as HTMLInputElement).value),
    cancel: () => this.cancel(),
    ...this.#export.handlers,
    forget: () => this.forget(),
  };

  /** Starts making the key pair and loading the trust roots while the user types. */
  #warm(): void {
    if (this.phase === 'working' || !KEY_TYPES.includes(this.keyType)) return;
    if (!this.#keys.has(this.keyType, this.#extractable)) this.#keys.warm(this.keyType, this.#extractable);
    this.#clientFor()?.prepare();
  }

  #clientFor(): MyProxyLogonClient | undefined {
    const key = JSON.stringify([this.bridge, this.bridgeToken, this.server, this.trustRoots, this.#extraRoots.length]);
    if (this.#client?.key !== key) {
      if (!this.bridge || !this.server || !this.trustRoots) return undefined;
      const config = { bridge: this.bridge, server: this.server, trustRoots: this.trustRoots, extraTrustRoots: [...this.#extraRoots] };
      this.#client = { key, client: createMyProxyLogon(this.bridgeToken ? { ...config, bridgeToken: this.bridgeToken } : config) };
    }
    return this.#client.client;
  }

  /**
   * Gets a credential, as the button does: fires start, progress, then success or error, and
   * resolves with the credential (or rejects with a MyProxyWebError). A running logon is cancelled.
   */
  async logon(options: MyProxyLogonOptions = {}): Promise<LogonResult> {
    // 1. Take the pass phrase out of the input at once; it lives only in this call from here on.
    const passphraseInput = this.renderRoot.querySelector<HTMLInputElement>('#passphrase');
    const passphrase = options.passphrase ?? passphraseInput?.value ?? '';
    if (passphraseInput) passphraseInput.value = '';
    const usernameInput = this.renderRoot.querySelector<HTMLInputElement>('#username');
    const username = (options.username ?? usernameInput?.value ?? this.username).trim();
    const keyType = options.keyType ?? this.keyType;
    const lifetimeHours = Number(options.lifetimeHours ?? this.lifetime);
    const crednameInput = this.renderRoot.querySelector<HTMLInputElement>('#credname');
    const credentialName = (options.credentialName ?? crednameInput?.value ?? this.credentialName).trim();

    // 2. Forget any earlier outcome.
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    if (this.#held.credential) this.#wipe('replaced');
    this.#bootstrap.clear();
    this.failure = undefined;
    this.phase = 'working';
    this.step = undefined;
    this.statusText = this.#s.statusLoadingTrustRoots;
    this.dispatchEvent(logonEvent('myproxy-logon-start', { username, server: this.server, keyType, lifetimeHours }));

    try {
      const { bridge, server, trustRoots } = this;
      checkLogonInputs({ bridge, server, trustRoots, username, passphrase, keyType, lifetimeHours }, this.#s);
      const client = this.#clientFor()!;
      const extractable = this.#extractable;
      const keyPair = await this.#keys.take(keyType, extractable);
      const credential = await client.logon({
        username,
        passphrase,
        lifetimeHours,
        ...(credentialName ? { credentialName } : {}),
        keyPair,
        signal: abort.signal,
        onProgress: (step) => {
          if (abort.signal.aborted) return;
          this.step = step;
          this.statusText = stepLabel(step, this.server, this.#s);
          this.dispatchEvent(logonEvent('myproxy-logon-progress', { step, label: this.statusText }));
        },
      });
      const pem = extractable ? await credentialToPem(credential) : undefined;
      if (abort.signal.aborted) throw new MyProxyWebError('ABORTED', 'logon cancelled');
      this.#held.hold(credential, pem);
      this.#heldBy = { client, username };
      this.now = Date.now();
      const { subject, issuer, notBefore, notAfter, isProxy } = credential;
      this.issued = { subject, issuer, notBefore, notAfter, isProxy, exportable: extractable };
      this.phase = 'success';
      this.statusText = this.#s.stepDone;
      this.dispatchEvent(logonEvent('myproxy-logon-success', { ...(pem !== undefined ? { pem } : {}), subject, issuer, notBefore, notAfter, isProxy, credential }));
      return credential;
    } catch (caught) {
      const error = toMyProxyWebError(caught);
      if (this.#abort !== abort && error.code === 'ABORTED') throw error; // superseded or removed: nobody to tell
      const detail: MyProxyLogonErrorDetail = { code: error.code, message: error.message };
      if (error.code === 'ABORTED') {
        this.phase = 'idle';
        this.statusText = this.#s.statusCancelled;
      } else {
        this.failure = detail;
        this.phase = 'error';
        this.statusText = this.#s.statusFailed;
        this.#focusError = true;
        const client = this.#clientFor();
        if (this.allowBootstrap && client && BOOTSTRAP_CODES.includes(error.code)) {
          const again = { username, passphrase, lifetimeHours, keyType, credentialName };
          void this.#bootstrap.offer(client, () => void this.logon(again).catch(() => undefined));
        }
      }
      this.dispatchEvent(logonEvent('myproxy-logon-error', detail));
      throw error;
    } finally {
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  /** Cancels a running logon: the tunnel is closed and logon() rejects with ABORTED. */
  cancel(): void {
    this.#abort?.abort();
  }

  /** Wipes the credential from memory (as the Forget button does). */
  forget(): void {
    if (!this.#held.credential && this.phase !== 'success') return;
    this.#wipe('forget');
    this.statusText = this.#s.forgotten;
    this.#focus('#passphrase');
  }

  /** Adds CAs the user chose to trust to this element's roots (in memory) and tells the page. */
  #trust(cas: BootstrapCa[]): void {
    this.#extraRoots.push(...cas.map((ca) => ca.der));
    for (const ca of cas) this.dispatchEvent(logonEvent('myproxy-logon-trust', trustDetail(ca)));
  }

  /** Drops every reference to the credential and the key; fires cleared if there was one. */
  #wipe(reason: MyProxyLogonClearedReason): void {
    const had = this.#held.clear();
    this.#heldBy = undefined;
    this.issued = undefined;
    this.#export.reset();
    this.#manage.reset();
    if (this.phase === 'success') this.phase = 'idle';
    if (had) this.dispatchEvent(logonEvent('myproxy-logon-cleared', { reason }));
  }
}

