import { LitElement, html, nothing, type PropertyDeclarations, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import { MyProxyWebError, toMyProxyWebError, type ErrorCode } from '../shared/errors.js';
import { logon, type LogonStep } from '../shared/myproxy/client.js';
import { credentialToPem } from '../shared/pki/credential.js';
import { pemCertificates } from '../shared/pki/pem.js';
import { connectWebSocket } from '../shared/transport/websocket.js';
import { downloadText } from './download.js';
import {
  LOGON_ERROR_EVENT,
  LOGON_SUCCESS_EVENT,
  type MyProxyLogonErrorDetail,
  type MyProxyLogonSuccessDetail,
} from './events.js';
import { logonStyles } from './styles.js';

/** Requested lifetime when the `lifetime` attribute is absent (myproxy-logon's default). */
export const DEFAULT_LIFETIME_HOURS = 12;
/** File name and media type of the downloaded credential. */
export const CREDENTIAL_FILENAME = 'credential.pem';
export const CREDENTIAL_MEDIA_TYPE = 'application/x-pem-file';

type Phase = 'idle' | 'working' | 'success' | 'error';

interface IssuedCredential {
  subject: string;
  notAfter: Date;
}

/**
 * Gets a short-lived X.509 credential from a MyProxy server, in the page. The key pair is
 * made here with WebCrypto, TLS runs here, and the WebSocket bridge only relays encrypted
 * bytes: neither the pass phrase nor the private key leaves the browser.
 *
 * @element myproxy-logon
 *
 * @attr bridge - WebSocket URL of the myproxy-bridge (ws:// or wss://).
 * @attr server - Host name of the MyProxy server; its certificate must match this name.
 * @attr trust-roots - URL of a PEM bundle of the CA certificates that may sign the server's certificate.
 * @attr username - MyProxy user name; initial value of the Username field.
 * @attr lifetime - Requested lifetime in hours (default 12). The server may issue less.
 *
 * The pass phrase is deliberately not an attribute or property: it is read from its input
 * when the form is submitted, and the input is cleared at once.
 *
 * @fires myproxy-logon-success - `detail: { pem, subject, notAfter }` once a credential was issued.
 * @fires myproxy-logon-error - `detail: { code, message }` when getting a credential failed.
 *
 * @csspart form - The form holding the inputs and the submit button.
 * @csspart label - Each field's label.
 * @csspart input - Each text input.
 * @csspart button - The "Get credential" submit button.
 * @csspart status - The live status line (progress while working).
 * @csspart result - The box describing the issued credential.
 * @csspart download-button - The button that saves credential.pem.
 * @csspart error - The alert shown when something failed.
 *
 * @cssprop --myproxy-logon-accent - Button and focus colour.
 * @cssprop --myproxy-logon-error-color - Colour of the error box.
 * @cssprop --myproxy-logon-color - Text colour.
 * @cssprop --myproxy-logon-gap - Spacing between parts.
 * @cssprop --myproxy-logon-radius - Corner radius of inputs, buttons and boxes.
 */
export class MyProxyLogonElement extends LitElement {
  static override properties: PropertyDeclarations = {
    bridge: { type: String },
    server: { type: String },
    trustRoots: { type: String, attribute: 'trust-roots' },
    username: { type: String },
    lifetime: { type: Number },
    phase: { state: true },
    statusText: { state: true },
    issued: { state: true },
    failure: { state: true },
  };

  static override styles = logonStyles;

  /** WebSocket URL of the bridge. */
  declare bridge: string;
  /** Expected host name in the MyProxy server's certificate. */
  declare server: string;
  /** URL of the PEM bundle of trusted CA certificates. */
  declare trustRoots: string;
  /** MyProxy user name (kept in step with the Username field). */
  declare username: string;
  /** Requested lifetime in hours. */
  declare lifetime: number;

  declare protected phase: Phase;
  declare protected statusText: string;
  declare protected issued: IssuedCredential | undefined;
  declare protected failure: MyProxyLogonErrorDetail | undefined;

  /** The issued credential, PEM encoded. In memory only; never logged, never reflected. */
  #pem: string | undefined;
  #abort: AbortController | undefined;

  constructor() {
    super();
    this.bridge = '';
    this.server = '';
    this.trustRoots = '';
    this.username = '';
    this.lifetime = DEFAULT_LIFETIME_HOURS;
    this.phase = 'idle';
    this.statusText = '';
    this.issued = undefined;
    this.failure = undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#abort?.abort();
  }

  protected override render(): TemplateResult {
    const working = this.phase === 'working';
    return html`
      <form part="form" @submit=${this.onSubmit} aria-busy=${working ? 'true' : 'false'}>
        <div class="field">
          <label part="label" for="username">Username</label>
          <input
            part="input"
            id="username"
            name="username"
            autocomplete="username"
            autocapitalize="off"
            spellcheck="false"
            required
            .value=${live(this.username)}
            @input=${this.onUsernameInput}
          />
        </div>
        <div class="field">
          <label part="label" for="passphrase">Pass phrase</label>
          <input part="input" id="passphrase" name="passphrase" type="password" autocomplete="current-password" required />
        </div>
        <button part="button" type="submit" ?disabled=${working}>Get credential</button>
      </form>
      <p part="status" class="status" role="status" aria-live="polite">${this.statusText}</p>
      ${this.phase === 'success' && this.issued ? this.renderResult(this.issued) : nothing}
      ${this.phase === 'error' && this.failure ? this.renderError(this.failure) : nothing}
    `;
  }

  private renderResult(issued: IssuedCredential): TemplateResult {
    const iso = issued.notAfter.toISOString();
    return html`
      <section part="result" class="result" aria-labelledby="result-heading">
        <strong id="result-heading">Credential issued</strong>
        <dl>
          <dt>Subject</dt>
          <dd class="subject">${issued.subject}</dd>
          <dt>Valid until</dt>
          <dd class="not-after">
            <time datetime=${iso}>${issued.notAfter.toLocaleString()}</time>
            (<code class="not-after-iso">${iso}</code>)
          </dd>
        </dl>
        <button part="download-button" class="secondary" type="button" @click=${this.onDownload}>
          Download ${CREDENTIAL_FILENAME}
        </button>
      </section>
    `;
  }

  private renderError(failure: MyProxyLogonErrorDetail): TemplateResult {
    return html`
      <div part="error" class="error" role="alert">
        <p class="message">${failure.message}</p>
        <p>Code: <code class="code">${failure.code}</code></p>
      </div>
    `;
  }

  private onUsernameInput(event: Event): void {
    this.username = (event.target as HTMLInputElement).value;
  }

  private onDownload(): void {
    if (this.#pem === undefined) return;
    downloadText(this.#pem, CREDENTIAL_FILENAME, CREDENTIAL_MEDIA_TYPE);
  }

  private async onSubmit(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    if (this.phase === 'working') return;

    // 1. Take the pass phrase out of the input at once; it lives only in this call from here on.
    const passphraseInput = this.renderRoot.querySelector<HTMLInputElement>('#passphrase');
    const usernameInput = this.renderRoot.querySelector<HTMLInputElement>('#username');
    const passphrase = passphraseInput?.value ?? '';
    if (passphraseInput) passphraseInput.value = '';
    const username = (usernameInput?.value ?? this.username).trim();

    // 2. Forget any earlier outcome.
    this.#pem = undefined;
    this.issued = undefined;
    this.failure = undefined;
    this.phase = 'working';
    this.statusText = 'Loading trust roots…';
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;

    try {
      const request = this.checkInputs(username, passphrase);
      const trustRoots = await loadTrustRoots(request.trustRootsUrl, abort.signal);
      const credential = await logon({
        openTransport: () => connectWebSocket(request.bridge),
        serverName: request.serverName,
        trustRoots,
        username,
        passphrase,
        lifetimeSeconds: request.lifetimeSeconds,
        // The key must be exportable to write credential.pem; it never leaves this page otherwise.
        extractableKey: true,
        onProgress: (step) => {
          if (!abort.signal.aborted) this.statusText = describeStep(step, request.serverName);
        },
        signal: abort.signal,
      });
      const pem = await credentialToPem(credential);
      if (abort.signal.aborted) return;
      this.#pem = pem;
      this.issued = { subject: credential.subject, notAfter: credential.notAfter };
      this.phase = 'success';
      this.statusText = 'Credential received.';
      this.dispatchEvent(
        new CustomEvent<MyProxyLogonSuccessDetail>(LOGON_SUCCESS_EVENT, {
          detail: { pem, subject: credential.subject, notAfter: credential.notAfter },
          bubbles: true,
          composed: true,
        }),
      );
    } catch (caught) {
      if (abort.signal.aborted) return; // Removed from the page or superseded: nobody to tell.
      const error = toMyProxyWebError(caught);
      const detail: MyProxyLogonErrorDetail = { code: error.code, message: error.message };
      this.failure = detail;
      this.phase = 'error';
      this.statusText = 'Could not get a credential.';
      this.dispatchEvent(
        new CustomEvent<MyProxyLogonErrorDetail>(LOGON_ERROR_EVENT, { detail, bubbles: true, composed: true }),
      );
    } finally {
      if (this.#abort === abort) this.#abort = undefined;
    }
  }

  /** Checks the configuration and the form; throws BAD_INPUT naming what is wrong. */
  private checkInputs(username: string, passphrase: string) {
    const bad = (message: string) => new MyProxyWebError('BAD_INPUT', message);
    if (!/^wss?:\/\//i.test(this.bridge)) throw bad('The bridge attribute must be a ws:// or wss:// URL.');
    if (!this.server) throw bad('The server attribute (the MyProxy host name) is missing.');
    if (!this.trustRoots) throw bad('The trust-roots attribute (URL of the CA certificates) is missing.');
    if (!username) throw bad('Enter your username.');
    if (!passphrase) throw bad('Enter your pass phrase.');
    const hours = Number(this.lifetime);
    if (!Number.isFinite(hours) || hours <= 0) throw bad('The lifetime attribute must be a positive number of hours.');
    return {
      bridge: this.bridge,
      serverName: this.server,
      trustRootsUrl: this.trustRoots,
      lifetimeSeconds: Math.round(hours * 3600),
    };
  }
}

function describeStep(step: LogonStep, serverName: string): string {
  switch (step) {
    case 'generating-key':
      return 'Generating key…';
    case 'connecting':
      return 'Connecting to bridge…';
    case 'handshake':
      return `Verifying server ${serverName}…`;
    case 'requesting':
      return 'Requesting credential…';
    case 'done':
      return 'Credential received.';
    default:
      return String(step);
  }
}

/** Fetches and parses the PEM bundle of trusted CA certificates. */
async function loadTrustRoots(url: string, signal: AbortSignal): Promise<Uint8Array[]> {
  const fail = (code: ErrorCode, detail: string, cause?: unknown) =>
    new MyProxyWebError(code, `cannot load the trust roots from ${url}: ${detail}`, { cause });
  let text: string;
  try {
    const response = await fetch(url, { signal, credentials: 'same-origin', cache: 'no-cache' });
    if (!response.ok) throw fail('BAD_INPUT', `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    text = await response.text();
  } catch (caught) {
    if (caught instanceof MyProxyWebError) throw caught;
    throw fail('BAD_INPUT', caught instanceof Error ? caught.message : String(caught), caught);
  }
  let roots: Uint8Array[];
  try {
    roots = pemCertificates(text);
  } catch (caught) {
    throw fail('CERT_PARSE_ERROR', caught instanceof Error ? caught.message : String(caught), caught);
  }
  if (roots.length === 0) throw fail('BAD_INPUT', 'it holds no CERTIFICATE blocks');
  return roots;
}
