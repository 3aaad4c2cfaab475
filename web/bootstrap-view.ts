/**
 * Trust bootstrap in <myproxy-logon> (`allow-bootstrap`): when a logon failed because the
 * server's chain does not lead to a trusted CA, fetch the CA certificates the server presents
 * (shared/myproxy/bootstrap.ts: one connection without chain validation; the server must still
 * prove it holds its key) and ask "Trust this server's CA?" with each CA's subject and SHA-256
 * fingerprint. "Trust and continue" hands the CAs to the element (trusted in memory, for this
 * element only) and retries the logon; "Don't trust" drops the offer.
 *
 * The retry is a closure over the failed attempt's inputs, pass phrase included (the TLS
 * handshake failed, so it was never sent): it lives only in this controller's private field
 * until the user decides, a new logon starts, the credential is wiped or the element leaves
 * the page, and is never in the DOM, an attribute, a property or a log.
 */
import { html, nothing, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { toMyProxyWebError, type ErrorCode } from '../shared/errors.js';
import type { BootstrapCa } from '../shared/myproxy/bootstrap.js';
import { pemEncode } from '../shared/pki/pem.js';
import type { MyProxyLogonErrorDetail, MyProxyLogonTrustDetail } from './events.js';
import type { MyProxyLogonClient } from './headless.js';
import { format, type MyProxyLogonStrings } from './strings.js';
import { renderTime } from './templates.js';

/** Failures a trust bootstrap can resolve. */
export const BOOTSTRAP_CODES: readonly ErrorCode[] = ['CERT_UNTRUSTED', 'CERT_INCOMPLETE_CHAIN', 'CERT_SELF_SIGNED'];

/** The `myproxy-logon-trust` event's detail for one CA. */
export function trustDetail(ca: BootstrapCa): MyProxyLogonTrustDetail {
  return { subject: ca.subject, fingerprint: ca.sha256Fingerprint, pem: pemEncode('CERTIFICATE', ca.der) };
}

export interface BootstrapViewHost extends ReactiveControllerHost {
  readonly renderRoot: HTMLElement | DocumentFragment;
}

type State = { phase: 'loading' } | { phase: 'offer'; cas: BootstrapCa[] } | { phase: 'failed'; error: MyProxyLogonErrorDetail };

export class BootstrapView implements ReactiveController {
  #state: State | undefined;
  #retry: (() => void) | undefined;
  #abort: AbortController | undefined;

  constructor(
    private readonly host: BootstrapViewHost,
    private readonly strings: () => MyProxyLogonStrings,
    private readonly server: () => string,
    /** Adds the CAs to the element's trust roots (and tells the page). */
    private readonly trust: (cas: BootstrapCa[]) => void,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.clear();
  }

  get active(): boolean {
    return this.#state !== undefined;
  }

  /** Drops the offer and the retry (with its pass phrase); a running fetch is aborted. */
  clear(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    this.#retry = undefined;
    if (this.#state) {
      this.#state = undefined;
      this.host.requestUpdate();
    }
  }

  /** Fetches the server's CA certificates with `client` and offers them; `retry` runs the logon again once trusted. */
  async offer(client: MyProxyLogonClient, retry: () => void): Promise<void> {
    this.clear();
    const abort = new AbortController();
    this.#abort = abort;
    this.#retry = retry;
    this.#state = { phase: 'loading' };
    this.host.requestUpdate();
    try {
      const result = await client.bootstrap({ signal: abort.signal });
      if (abort.signal.aborted) return;
      this.#state = { phase: 'offer', cas: result.cas };
    } catch (caught) {
      if (abort.signal.aborted) return;
      const { code, message } = toMyProxyWebError(caught);
      this.#state = { phase: 'failed', error: { code, message } };
      this.#retry = undefined;
    }
    this.host.requestUpdate();
  }

  #accept = (): void => {
    const state = this.#state;
    const retry = this.#retry;
    if (state?.phase !== 'offer' || !retry) return;
    this.#retry = undefined;
    this.clear();
    this.trust(state.cas);
    retry();
  };

  #decline = (): void => {
    this.clear();
    void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLElement>('#passphrase')?.focus());
  };

  render(): TemplateResult | typeof nothing {
    const state = this.#state;
    if (!state) return nothing;
    const s = this.strings();
    return html`
      <section part="bootstrap" class="bootstrap" aria-labelledby="bootstrap-heading" aria-busy=${state.phase === 'loading' ? 'true' : 'false'}>
        <h2 id="bootstrap-heading" part="bootstrap-heading">${s.bootstrapHeading}</h2>
        <p part="bootstrap-status" class="note" role="status" aria-live="polite">
          ${state.phase === 'loading' ? s.bootstrapLoading : state.phase === 'failed' ? s.bootstrapFailed : ''}
        </p>
        ${state.phase === 'offer' ? this.#renderOffer(s, state.cas) : nothing}
        ${state.phase === 'failed'
          ? html`<div part="bootstrap-error" class="error" role="alert">
              <p class="message">${state.error.message}</p>
              <p>${s.errorCodeLabel} <code class="code">${state.error.code}</code></p>
            </div>`
          : nothing}
      </section>
    `;
  }

  #renderOffer(s: MyProxyLogonStrings, cas: BootstrapCa[]): TemplateResult {
    return html`
      <p>${format(s.bootstrapIntro, { server: this.server() })}</p>
      <ul part="bootstrap-list" class="bootstrap-list">
        ${cas.map(
          (ca) => html`
            <li part="bootstrap-ca">
              <dl part="details">
                <dt>${s.bootstrapSubject}</dt>
                <dd class="ca-subject">${ca.subject}</dd>
                <dt>${s.bootstrapFingerprint}</dt>
                <dd><code class="fingerprint">${ca.sha256Fingerprint}</code></dd>
                <dt>${s.bootstrapValidUntil}</dt>
                <dd>${renderTime(ca.notAfter, 'ca-not-after-iso')}</dd>
              </dl>
            </li>
          `,
        )}
      </ul>
      <div part="bootstrap-actions" class="actions">
        <button part="button bootstrap-trust-button" type="button" @click=${this.#accept}>${s.bootstrapTrust}</button>
        <button part="button bootstrap-decline-button" class="secondary" type="button" @click=${this.#decline}>${s.bootstrapDecline}</button>
      </div>
    `;
  }
}
