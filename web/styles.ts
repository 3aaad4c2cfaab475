/** Styles of <myproxy-logon>. Custom properties and ::part() names are the styling API. */
import { css } from 'lit';

export const logonStyles = css`
  :host {
    display: block;
    max-width: 28rem;
    font: inherit;
    color: var(--myproxy-logon-color, inherit);
    --_accent: var(--myproxy-logon-accent, #1f5fa8);
    --_error: var(--myproxy-logon-error-color, #a4161a);
    --_gap: var(--myproxy-logon-gap, 0.75rem);
    --_radius: var(--myproxy-logon-radius, 0.25rem);
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
    padding: 0.4rem 0.5rem;
    border: 1px solid #767676;
    border-radius: var(--_radius);
  }
  input:focus-visible,
  button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }

  button {
    font: inherit;
    justify-self: start;
    padding: 0.45rem 1rem;
    border: 1px solid var(--_accent);
    border-radius: var(--_radius);
    background: var(--_accent);
    color: #fff;
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

  .status {
    min-height: 1.5em;
    margin: var(--_gap) 0 0;
  }
  .result,
  .error {
    margin-top: var(--_gap);
    padding: var(--_gap);
    border-radius: var(--_radius);
  }
  .result {
    border: 1px solid #6b9f6b;
  }
  .result dl {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 0.25rem 0.75rem;
    margin: 0 0 var(--_gap);
  }
  .result dt {
    font-weight: 600;
  }
  .result dd {
    margin: 0;
    overflow-wrap: anywhere;
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
    font-family: ui-monospace, monospace;
  }
`;
