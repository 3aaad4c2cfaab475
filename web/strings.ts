/**
 * Every text <myproxy-logon> shows, replaceable through its `strings` property (a partial
 * object is merged over these defaults). `{name}` placeholders are filled in at render time.
 * Messages from the MyProxy server and error messages from the shared code are shown as
 * they come; their stable `code` is what a translation can key on.
 */
export const DEFAULT_STRINGS = {
  usernameLabel: 'Username',
  passphraseLabel: 'Pass phrase',
  credentialNameLabel: 'Credential name (optional)',
  submit: 'Get credential',
  cancel: 'Cancel',
  progressLabel: 'Progress',
  stepGeneratingKey: 'Making key…',
  stepConnecting: 'Connecting…',
  /** `{server}`: the server attribute. */
  stepHandshake: 'Verifying server {server}…',
  stepRequesting: 'Requesting credential…',
  stepDone: 'Credential received.',
  statusLoadingTrustRoots: 'Loading trust roots…',
  statusCancelled: 'Cancelled.',
  statusFailed: 'Could not get a credential.',
  errorCodeLabel: 'Code:',
  resultHeading: 'Credential issued',
  subjectLabel: 'Subject',
  issuerLabel: 'Issuer',
  kindLabel: 'Kind',
  kindProxy: 'RFC 3820 proxy certificate',
  kindEndEntity: 'End-entity certificate',
  validFromLabel: 'Valid from',
  validUntilLabel: 'Valid until',
  /** `{time}`: the remaining time, e.g. `11 h 59 min 58 s`. */
  expiresIn: 'expires in {time}',
  /** `{h}`, `{m}`, `{s}`: hours, minutes, seconds left. */
  durationHours: '{h} h {m} min {s} s',
  durationMinutes: '{m} min {s} s',
  durationSeconds: '{s} s',
  downloadPem: 'Download PEM',
  downloadPkcs12: 'Download PKCS#12…',
  copyPem: 'Copy PEM',
  copied: 'PEM copied to the clipboard.',
  copyFailed: 'This page may not use the clipboard; use Download PEM instead.',
  forget: 'Forget',
  forgotten: 'The credential was wiped from memory.',
  expiredWiped: 'The credential expired and was wiped from memory.',
  keyNotExportable: 'The private key cannot leave this page: it can be used here only.',
  pkcs12Legend: 'Protect the PKCS#12 file with a password',
  pkcs12Password: 'Password',
  pkcs12Confirm: 'Repeat password',
  pkcs12Save: 'Save PKCS#12',
  pkcs12Cancel: 'Cancel',
  /** `{min}`: the minimum length. */
  pkcs12TooShort: 'Use at least {min} characters.',
  pkcs12Mismatch: 'The two passwords differ.',
  pkcs12Saved: 'PKCS#12 file saved.',
  badBridge: 'The bridge attribute must be a ws:// or wss:// URL.',
  missingServer: 'The server attribute (the MyProxy host name) is missing.',
  missingTrustRoots: 'The trust-roots attribute (URL of the CA certificates) is missing.',
  enterUsername: 'Enter your username.',
  enterPassphrase: 'Enter your pass phrase.',
  badLifetime: 'The lifetime attribute must be a positive number of hours.',
  badKeyType: 'The key-type attribute must be one of rsa-2048, rsa-3072, rsa-4096, ec-p256.',
  manageOpen: 'Manage stored credentials',
  manageHeading: 'Stored credentials',
  manageRefresh: 'Refresh',
  manageLoading: 'Loading the stored credentials…',
  /** `{count}`: how many credentials the server listed. */
  manageCount: '{count} stored credential(s).',
  manageDefaultName: 'default',
  manageDescription: 'Description',
  manageOwner: 'Owner',
  manageRetrievers: 'Retrievers',
  manageKeyRetrievers: 'Key retrievers',
  manageTrustedRetrievers: 'Trusted retrievers',
  manageRenewers: 'Renewers',
  manageLocked: 'Locked',
  manageSelect: 'Credential',
  manageChange: 'Change pass phrase…',
  manageDestroy: 'Destroy…',
  /** `{name}`: the credential's name (or manageDefaultName). */
  manageChangeLegend: 'Change the pass phrase of {name}',
  manageOldPassphrase: 'Current pass phrase',
  manageNewPassphrase: 'New pass phrase',
  manageRepeatPassphrase: 'Repeat new pass phrase',
  manageChangeSubmit: 'Change pass phrase',
  manageCancel: 'Cancel',
  /** `{min}`: the minimum length. */
  manageTooShort: 'The new pass phrase needs at least {min} characters.',
  manageMismatch: 'The two new pass phrases differ.',
  manageEnterOld: 'Enter the current pass phrase.',
  manageChanging: 'Changing the pass phrase…',
  /** `{name}` */
  manageChanged: 'The pass phrase of {name} was changed.',
  /** `{name}` */
  manageConfirmText: '{name} will be removed from the server. This cannot be undone.',
  /** `{name}` */
  manageReallyDestroy: 'Really destroy {name}?',
  manageDestroying: 'Destroying…',
  /** `{name}` */
  manageDestroyed: '{name} was destroyed.',
  manageFailed: 'The server refused or could not be reached.',
  bootstrapHeading: "Trust this server's CA?",
  bootstrapLoading: "Fetching the CA certificates the server presents…",
  /** `{server}`: the server attribute. */
  bootstrapIntro:
    '{server} presented a certificate from a CA this page does not trust. Compare each SHA-256 fingerprint with one your site published before you trust it; trusting applies to this page only, until it is reloaded.',
  bootstrapSubject: 'CA',
  bootstrapFingerprint: 'SHA-256 fingerprint',
  bootstrapValidUntil: 'Valid until',
  bootstrapTrust: 'Trust and continue',
  bootstrapDecline: "Don't trust",
  bootstrapFailed: "The server's CA certificates could not be fetched.",
};

export type MyProxyLogonStrings = typeof DEFAULT_STRINGS;

/** Fills `{name}` placeholders; unknown names stay as they are. */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** Remaining time as `h min s` text, from the strings. */
export function formatRemaining(ms: number, strings: MyProxyLogonStrings): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return format(strings.durationHours, { h, m, s });
  if (m > 0) return format(strings.durationMinutes, { m, s });
  return format(strings.durationSeconds, { s });
}
