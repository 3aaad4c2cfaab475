/**
 * Script of the demo page (index.html): configures <myproxy-logon> from /demo-config.json
 * (written by scripts/demo.ts or the e2e test stack), shows that configuration in a form that
 * changes the element's attributes, and logs the element's events on the page. The
 * credential PEM is never printed: only its size.
 */
import type { MyProxyLogonEventMap } from './events.js';

interface DemoConfig {
  bridge: string;
  server: string;
  trustRootsUrl: string;
  username?: string;
  lifetimeHours?: number;
  keyType?: string;
}

const log = document.querySelector<HTMLPreElement>('#event-log');

function append(line: string): void {
  if (!log) return;
  log.textContent += `${new Date().toISOString()} ${line}\n`;
}

/** One log line per event; secrets (PEM, the CryptoKey) are never shown. */
const describe: { [K in keyof MyProxyLogonEventMap]: (detail: MyProxyLogonEventMap[K]['detail']) => string } = {
  'myproxy-logon-start': (d) => `username=${d.username} server=${d.server} keyType=${d.keyType} lifetimeHours=${d.lifetimeHours}`,
  'myproxy-logon-progress': (d) => `step=${d.step} label=${d.label}`,
  'myproxy-logon-success': (d) =>
    `subject=${d.subject} issuer=${d.issuer} ${d.isProxy ? 'proxy' : 'end-entity'} notAfter=${d.notAfter.toISOString()} ` +
    (d.pem === undefined ? 'pem=(not exportable)' : `pem=(${d.pem.length} characters, not shown)`),
  'myproxy-logon-error': (d) => `code=${d.code} message=${d.message}`,
  'myproxy-logon-cleared': (d) => `reason=${d.reason}`,
  'myproxy-logon-trust': (d) => `subject=${d.subject} fingerprint=${d.fingerprint}`,
};

function listen<K extends keyof MyProxyLogonEventMap>(element: HTMLElement, type: K): void {
  element.addEventListener(type, (event) => append(`${type} ${describe[type]((event as MyProxyLogonEventMap[K]).detail)}`));
}

async function main(): Promise<void> {
  const element = document.querySelector('myproxy-logon');
  if (!element) throw new Error('no <myproxy-logon> element on the page');
  for (const type of Object.keys(describe) as (keyof MyProxyLogonEventMap)[]) listen(element, type);

  const response = await fetch('/demo-config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/demo-config.json: HTTP ${response.status}`);
  const config = (await response.json()) as DemoConfig;
  const attributes: Record<string, string> = {
    bridge: config.bridge,
    server: config.server,
    'trust-roots': config.trustRootsUrl,
    lifetime: String(config.lifetimeHours ?? 12),
    'key-type': config.keyType ?? 'rsa-2048',
    export: 'pem',
    filename: 'credential.pem',
  };
  if (config.username) element.setAttribute('username', config.username);
  const form = document.querySelector<HTMLFormElement>('#config-form');
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, value);
    const control = form?.elements.namedItem(name);
    if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement) control.value = value;
  }
  form?.addEventListener('change', (event) => {
    const control = event.target as HTMLInputElement | HTMLSelectElement;
    element.setAttribute(control.name, control.value);
    append(`configured: ${control.name}=${control.value}`);
  });
  form?.addEventListener('submit', (event) => event.preventDefault());
  append(`configured: ${Object.entries(attributes).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  document.documentElement.dataset['demoReady'] = 'true';
}

main().catch((error: unknown) => {
  append(`demo setup failed: ${error instanceof Error ? error.message : String(error)}`);
  document.documentElement.dataset['demoReady'] = 'error';
});
