/**
 * Styles of <myproxy-logon>. Custom properties and ::part() names are the styling API; light
 * and dark defaults follow prefers-color-scheme. Lit adopts them as constructed style sheets,
 * which a strict Content-Security-Policy (style-src 'self') allows. No fonts or images are loaded.
 */
import { css } from 'lit';

export const logonStyles = css`
  :host {
    display: block;
    max-width: 32rem;
    font: var(--myproxy-logon-font, inherit);
    color: var(--_color);
    --_accent: var(--myproxy-logon-accent, #1f5fa8);
    --_on-accent: var(--myproxy-logon-accent-contrast, #ffffff);
    --_color: var(--myproxy-logon-color, inherit);
    --_background: var(--myproxy-logon-background, #ffffff);
    --_border: var(--myproxy-logon-border-color, #6b6b6b);
    --_success: var(--myproxy-logon-success-color, #2e7d32);
    --_error: var(--myproxy-logon-error-color, #a4161a);
    --_muted: var(--myproxy-logon-muted-color, #555555);
    --_gap: var(--myproxy-logon-gap, 0.75rem);
    --_radius: var(--myproxy-logon-radius, 0.25rem);
    --_mono: var(--myproxy-logon-mono-font, ui-monospace, 'DejaVu Sans Mono', monospace);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--myproxy-logon-accent, #8ab4f8);
      --_on-accent: var(--myproxy-logon-accent-contrast, #0b1a2e);
      --_background: var(--myproxy-logon-background, #1b1d21);
      --_border: var(--myproxy-logon-border-color, #9aa0a6);
      --_success: var(--myproxy-logon-success-color, #81c995);
      --_error: var(--myproxy-logon-error-color, #f28b82);
      --_muted: var(--myproxy-logon-muted-color, #bdc1c6);
    }
  }
  :host([hidden]) {
    display: none;
  }

  form {
    display: grid;
    gap: var(--_gap);
  }
  .field {
    display: grid;
    gap: 0.25rem;
  }
  label {
    font-weight: 600;
  }
  input {
    font: inherit;
    color: inherit;
    background: transparent;
    padding: 0.4rem 0.5rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  input[aria-invalid='true'] {
    border-color: var(--_error);
  }
  input:focus-visible,
  button:focus-visible,
  .error:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .error:focus {
    outline: 2px solid var(--_error);
    outline-offset: 2px;
  }

  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  button {
    font: inherit;
    padding: 0.45rem 1rem;
    border: 1px solid var(--_accent);
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--_on-accent);
    cursor: pointer;
  }
  button[disabled] {
    opacity: 0.6;
    cursor: progress;
  }
  button.secondary {
    background: transparent;
    color: var(--_accent);
  }

  progress {
    display: block;
    width: 100%;
    height: 0.5rem;
    margin-top: var(--_gap);
    accent-color: var(--_accent);
  }
  .status {
    min-height: 1.5em;
    margin: var(--_gap) 0 0;
  }

  .result,
  .error {
    margin-top: var(--_gap);
    padding: var(--_gap);
    border-radius: var(--_radius);
    background: var(--_background);
  }
  .result {
    border: 1px solid var(--_success);
  }
  .result h2 {
    font-size: 1.05em;
    margin: 0 0 var(--_gap);
  }
  .result dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.3rem 0.75rem;
    margin: 0 0 var(--_gap);
  }
  .result dt {
    font-weight: 600;
  }
  .result dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .result code,
  .countdown {
    color: var(--_muted);
  }
  .countdown {
    display: block;
    font-variant-numeric: tabular-nums;
  }
  .note {
    margin: 0 0 var(--_gap);
    color: var(--_muted);
  }

  .pkcs12 {
    margin-top: var(--_gap);
  }
  fieldset {
    display: grid;
    gap: var(--_gap);
    margin: 0;
    padding: var(--_gap);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  legend {
    padding: 0 0.25rem;
  }
  .field-error {
    margin: 0;
    color: var(--_error);
  }
  .field-error:empty {
    display: none;
  }

  .error {
    border: 1px solid var(--_error);
    color: var(--_error);
  }
  .error p {
    margin: 0;
  }
  .error .message {
    /* Server messages may have several lines. */
    white-space: pre-line;
  }
  code {
    font-family: var(--_mono);
  }

  select {
    font: inherit;
    color: inherit;
    background: var(--_background);
    padding: 0.35rem 0.5rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  select:focus-visible,
  .manage-error:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  button.danger {
    background: var(--_error);
    border-color: var(--_error);
    color: var(--_background);
  }
  .manage {
    margin-top: var(--_gap);
  }
  .manage-panel,
  .manage-panel > form,
  .manage-panel > .field,
  .manage-panel > .actions,
  .manage-confirm {
    display: grid;
    gap: var(--_gap);
    margin-top: var(--_gap);
  }
  .manage-panel > .actions {
    display: flex;
  }
  .manage-head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem;
  }
  .manage h3 {
    font-size: 1em;
    margin: 0;
  }
  .manage-panel .status {
    margin: 0;
  }
  .manage-list,
  .bootstrap-list {
    list-style: none;
    margin: 0;
    padding: 0;
    display: grid;
    gap: var(--_gap);
  }
  .manage-item,
  .bootstrap-list li {
    padding: 0.5rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .manage-item h4 {
    font-size: 1em;
    margin: 0 0 0.4rem;
  }
  .manage-item dl,
  .bootstrap dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.3rem 0.75rem;
    margin: 0;
  }
  .manage-item dt,
  .bootstrap dt {
    font-weight: 600;
  }
  .manage-item dd,
  .bootstrap dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .manage-item code,
  .bootstrap-list code:not(.fingerprint) {
    color: var(--_muted);
  }
  .manage-confirm p {
    margin: 0;
  }
  .bootstrap {
    display: grid;
    gap: var(--_gap);
    margin-top: var(--_gap);
    padding: var(--_gap);
    border: 1px solid var(--_accent);
    border-radius: var(--_radius);
    background: var(--_background);
  }
  .bootstrap h2 {
    font-size: 1.05em;
    margin: 0;
  }
  .bootstrap p {
    margin: 0;
  }
  .bootstrap .note:empty {
    display: none;
  }
  .fingerprint {
    overflow-wrap: anywhere;
  }
`;
