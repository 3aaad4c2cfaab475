/**
 * Script of the demo page (index.html): configures <myproxy-logon> from /demo-config.json
 * (written by scripts/demo.ts or the e2e test stack) and logs its events on the page.
 * The credential PEM is never printed: only its size.
 */
import type { MyProxyLogonErrorEvent, MyProxyLogonSuccessEvent } from './events.js';

interface DemoConfig {
  bridge: string;
  server: string;
  trustRootsUrl: string;
  username?: string;
  lifetimeHours?: number;
}

const log = document.querySelector<HTMLPreElement>('#event-log');

function append(line: string): void {
  if (!log) return;
  log.textContent += `${new Date().toISOString()} ${line}\n`;
}

async function main(): Promise<void> {
  const element = document.querySelector('myproxy-logon');
  if (!element) throw new Error('no <myproxy-logon> element on the page');

  element.addEventListener('myproxy-logon-success', (event: MyProxyLogonSuccessEvent) => {
    const { subject, notAfter, pem } = event.detail;
    append(`myproxy-logon-success subject=${subject} notAfter=${notAfter.toISOString()} pem=(${pem.length} characters, not shown)`);
  });
  element.addEventListener('myproxy-logon-error', (event: MyProxyLogonErrorEvent) => {
    append(`myproxy-logon-error code=${event.detail.code} message=${event.detail.message}`);
  });

  const response = await fetch('/demo-config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/demo-config.json: HTTP ${response.status}`);
  const config = (await response.json()) as DemoConfig;
  element.setAttribute('bridge', config.bridge);
  element.setAttribute('server', config.server);
  element.setAttribute('trust-roots', config.trustRootsUrl);
  if (config.username) element.setAttribute('username', config.username);
  if (config.lifetimeHours !== undefined) element.setAttribute('lifetime', String(config.lifetimeHours));
  append(`configured: bridge=${config.bridge} server=${config.server} trust-roots=${config.trustRootsUrl}`);
  document.documentElement.dataset['demoReady'] = 'true';
}

main().catch((error: unknown) => {
  append(`demo setup failed: ${error instanceof Error ? error.message : String(error)}`);
  document.documentElement.dataset['demoReady'] = 'error';
});
