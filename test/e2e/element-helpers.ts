/**
 * Helpers shared by the element*.spec.ts suites: open the demo page with chosen attributes,
 * record the element's events in the page, submit, wait for the outcome, and a TCP server
 * that accepts connections and never answers (to hold the element in its working state).
 */
import net from 'node:net';
import { expect, type Page } from '@playwright/test';
import type { DemoStack } from '../fixtures/demo-stack.js';

export interface ElementEvent {
  type: string;
  detail: Record<string, unknown>;
}

declare global {
  interface Window {
    __events: ElementEvent[];
    __csp: string[];
  }
}

/** Opens the demo page, sets `attributes` on the element and records its events (PEM included, for the tests). */
export async function openElement(page: Page, stack: DemoStack, attributes: Record<string, string> = {}): Promise<void> {
  await page.goto(stack.pageUrl);
  await page.waitForFunction(() => document.documentElement.dataset['demoReady'] === 'true');
  await page.evaluate((attrs) => {
    window.__events = [];
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    for (const type of ['start', 'progress', 'success', 'error', 'cleared']) {
      document.addEventListener(`myproxy-logon-${type}`, (e) => {
        const detail = { ...(e as CustomEvent<Record<string, unknown>>).detail };
        delete detail['credential'];
        for (const [k, v] of Object.entries(detail)) if (v instanceof Date) detail[k] = v.toISOString();
        window.__events.push({ type, detail });
      });
    }
    const element = document.querySelector('myproxy-logon')!;
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  }, attributes);
}

export async function submit(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Pass phrase').fill(passphrase);
  await page.getByRole('button', { name: 'Get credential' }).click();
}

export function events(page: Page): Promise<ElementEvent[]> {
  return page.evaluate(() => window.__events);
}

/** Waits for success or error and returns that event. */
export async function outcome(page: Page, timeoutMs = 60_000): Promise<ElementEvent> {
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'success' || e.type === 'error'), null, { timeout: timeoutMs });
  return (await events(page)).find((e) => e.type === 'success' || e.type === 'error')!;
}

export async function expectSuccess(page: Page): Promise<{ pem?: string; subject: string; notAfter: string; isProxy: boolean }> {
  const event = await outcome(page);
  expect(event.type, JSON.stringify(event.detail)).toBe('success');
  await expect(page.locator('myproxy-logon [part="result"]')).toBeVisible();
  return event.detail as { pem?: string; subject: string; notAfter: string; isProxy: boolean };
}

/** The element of the page that has focus, through shadow roots. */
export function deepActiveElement(page: Page): Promise<string> {
  return page.evaluate(() => {
    let active: Element | null = document.activeElement;
    while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
    return active ? `${active.tagName.toLowerCase()}${active.id ? `#${active.id}` : ''}[part=${active.getAttribute('part') ?? ''}]` : 'none';
  });
}

/** A TCP server on 127.0.0.1 that accepts and never answers: the TLS handshake hangs. */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.resume(); // read and drop: the end of the stream is then seen
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connections: () => count,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
