/**
 * Neither the pass phrase nor the private key leaves the page in any recordable form: a full
 * logon is recorded (every request and response header, every WebSocket frame both ways,
 * every console message, and afterwards localStorage, sessionStorage, IndexedDB names, Cache
 * Storage names and cookies), then searched for the pass phrase and the private key as PEM
 * body, DER base64, DER hex and raw DER bytes. None may be found. (The frames are TLS
 * records: what the page sends is ciphertext.)
 */
import { expect, test } from '@playwright/test';
import { pemDecodeAll } from '../../shared/pki/pem.js';
import { startDemoStack, type DemoStack } from '../fixtures/demo-stack.js';
import { expectSuccess, openElement, submit } from './element-helpers.js';

let stack: DemoStack;

test.beforeAll(async () => {
  stack = await startDemoStack();
});

test.afterAll(async () => {
  await stack?.stop();
});

/** Windows of `bytes` (length `size`, every `step` bytes): a key split across records still has whole windows in one. */
function windows(bytes: Buffer, size: number, step: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + size <= bytes.length; i += step) out.push(bytes.subarray(i, i + size));
  return out;
}

test('a full logon leaks neither the pass phrase nor the private key', async ({ page, context }) => {
  const text: string[] = []; // requests, headers, console, storage
  const frames: Buffer[] = [];
  let framesSent = 0;
  let framesReceived = 0;
  page.on('request', (request) => {
    text.push(`${request.method()} ${request.url()}`, JSON.stringify(request.headers()), request.postData() ?? '');
  });
  page.on('response', (response) => text.push(`${response.status()} ${response.url()}`, JSON.stringify(response.headers())));
  page.on('console', (message) => text.push(`console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => text.push(`pageerror: ${error.message}`));
  page.on('websocket', (socket) => {
    text.push(`websocket ${socket.url()}`);
    const record = (payload: string | Buffer) => {
      const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
      frames.push(bytes);
      text.push(typeof payload === 'string' ? payload : payload.toString('latin1'));
    };
    socket.on('framesent', (frame) => {
      framesSent += 1;
      record(frame.payload);
    });
    socket.on('framereceived', (frame) => {
      framesReceived += 1;
      record(frame.payload);
    });
  });

  await openElement(page, stack);
  // The page itself logs its events to the console too, as an embedding page might (PEM excluded by the demo).
  await page.evaluate(() => {
    for (const type of ['start', 'progress', 'success', 'error', 'cleared']) {
      document.addEventListener(`myproxy-logon-${type}`, () => console.log(`event ${type}`));
    }
  });
  await submit(page, stack.passphrase);
  const { pem } = await expectSuccess(page);
  await page.getByRole('button', { name: 'Forget' }).click();

  const storage = await page.evaluate(async () => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i)!)}`);
    const databases = (await indexedDB.databases()).map((d) => `${d.name}@${d.version}`);
    const cacheNames = 'caches' in window ? await caches.keys() : [];
    return { local: dump(localStorage), session: dump(sessionStorage), databases, cacheNames, cookie: document.cookie, log: document.querySelector('#event-log')!.textContent ?? '' };
  });
  const cookies = await context.cookies();
  text.push(JSON.stringify(storage), JSON.stringify(cookies));

  // The recording saw the logon: the TLS records went both ways.
  expect(framesSent).toBeGreaterThan(2);
  expect(framesReceived).toBeGreaterThan(2);
  expect(storage.log).toContain('myproxy-logon-success');

  // What to search for.
  const keyBlock = pemDecodeAll(pem!).find((b) => b.label.endsWith('PRIVATE KEY'));
  expect(keyBlock).toBeDefined();
  const der = Buffer.from(keyBlock!.der);
  const pemBody = pem!.split(/-----(?:BEGIN|END) [A-Z ]*PRIVATE KEY-----/)[1]!;
  const needles = [
    stack.passphrase,
    encodeURIComponent(stack.passphrase),
    Buffer.from(stack.passphrase).toString('base64'),
    ...pemBody.split('\n').filter((line) => line.length >= 40), // each PEM line of the key
    der.toString('base64').slice(8, 72),
    der.toString('hex').slice(64, 192),
    der.toString('hex').toUpperCase().slice(64, 192),
  ];
  const haystack = text.join('\n');
  const found = needles.filter((needle) => haystack.includes(needle));
  expect(found, 'secret text found in the recording').toEqual([]);

  // Raw bytes in the frames: the pass phrase, and 24-byte windows of the DER key.
  const secretBytes = [Buffer.from(stack.passphrase, 'utf8'), ...windows(der, 24, 12)];
  const inFrames = secretBytes.filter((secret) => frames.some((frame) => frame.includes(secret)));
  expect(inFrames.length, 'secret bytes found in WebSocket frames').toBe(0);

  // And nothing stays in storage at all.
  expect(storage.local).toEqual([]);
  expect(storage.session).toEqual([]);
  expect(storage.databases).toEqual([]);
  expect(storage.cacheNames).toEqual([]);
  expect(cookies).toEqual([]);
  // The pass phrase input was cleared; no attribute holds it.
  await expect(page.getByLabel('Pass phrase')).toHaveValue('');
  expect(await page.content()).not.toContain(stack.passphrase);
});
