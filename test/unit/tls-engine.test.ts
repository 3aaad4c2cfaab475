/**
 * The TLS engine after the handshake (shared/tls/connection.ts), driven record by record: a scripted
 * ByteChannel plays the server with records sealed by our own TLS 1.3 record protection, and a stub
 * handshake hands the engine its traffic keys. What real servers cannot be made to do on cue:
 * data queued behind a fatal alert (RFC 8446 §6.2), a warning-level alert in TLS 1.3 (§6), a KeyUpdate
 * without update_requested and one that does not end its record (§4.6.3, §5.1).
 * (tls-faults.test.ts and tls-openssl.test.ts cover an encrypted fatal alert and KeyUpdate(update_requested)
 * from openssl s_server.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes, fromHex, utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { TLS_AES_128_GCM_SHA256 } from '../../shared/tls/cipher-suites.js';
import type { HandshakeOutput, Tls13ClientHandshake } from '../../shared/tls/client13.js';
import { TlsEngine } from '../../shared/tls/connection.js';
import { ContentType, HandshakeType } from '../../shared/tls/constants.js';
import { HandshakeAssembler } from '../../shared/tls/handshake-framing.js';
import { nextTrafficSecret } from '../../shared/tls/key-schedule.js';
import { encodeKeyUpdate } from '../../shared/tls/messages-server.js';
import { RecordProtection } from '../../shared/tls/record-protection.js';
import type { ByteChannel } from '../../shared/transport/channel.js';

const suite = TLS_AES_128_GCM_SHA256;
/** RFC 8448 §3 application traffic secrets: any 32 bytes would do. */
const SERVER_SECRET = fromHex('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643');
const CLIENT_SECRET = fromHex('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');

/** The server's end: chunks the test queues are what the engine reads; what the engine writes is kept. */
class ScriptedChannel implements ByteChannel {
  readonly written: Uint8Array[] = [];
  private readonly queue: (Uint8Array | null)[] = [];
  private waiter: ((chunk: Uint8Array | null) => void) | undefined;
  closed = false;

  push(chunk: Uint8Array | null): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve(chunk);
    } else this.queue.push(chunk);
  }
  read(): Promise<Uint8Array | null> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }
  async write(data: Uint8Array): Promise<void> {
    this.written.push(data.slice());
  }
  close(): void {
    this.closed = true;
    this.push(null);
  }
}

/** A connected engine with the given application keys, as the real handshake would leave it. */
async function connectedEngine(): Promise<{ engine: TlsEngine; channel: ScriptedChannel; server: RecordProtection }> {
  const channel = new ScriptedChannel();
  const outputs: HandshakeOutput[] = [
    { kind: 'readKeys', protection: await RecordProtection.create(suite, SERVER_SECRET) },
    { kind: 'writeKeys', protection: await RecordProtection.create(suite, CLIENT_SECRET) },
    { kind: 'connected', result: { protocol: 'TLSv1.3', cipherSuite: suite, peerCertificates: [] } },
  ];
  const handshake = {
    start: async () => outputs,
    handle: async () => assert.fail('no handshake messages expected'),
    changeCipherSpec: async () => null,
    negotiatedVersion: 'TLSv1.3',
  } as unknown as Tls13ClientHandshake;
  const engine = new TlsEngine(channel, handshake);
  await engine.runHandshake();
  return { engine, channel, server: await RecordProtection.create(suite, SERVER_SECRET) };
}

const data = (protection: RecordProtection, text: string) => protection.seal(ContentType.applicationData, utf8Encode(text));
const alert = (protection: RecordProtection, level: number, description: number) => protection.seal(ContentType.alert, new Uint8Array([level, description]));

/** Opens every record the client wrote with `protections` in turn (one protection per record). */
async function openWritten(channel: ScriptedChannel, protections: RecordProtection[]): Promise<{ type: number; content: Uint8Array }[]> {
  const bytes = concatBytes(...channel.written);
  const out: { type: number; content: Uint8Array }[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const length = (bytes[offset + 3]! << 8) | bytes[offset + 4]!;
    out.push(await protections[i]!.open(bytes.subarray(offset, offset + 5), bytes.subarray(offset + 5, offset + 5 + length)));
    offset += 5 + length;
  }
  return out;
}

test('data before a fatal alert is delivered; the alert is an error; data after it is never read (RFC 8446 §6.2)', async () => {
  const { engine, channel, server } = await connectedEngine();
  channel.push(concatBytes(await data(server, 'before'), await alert(server, 2, 20), await data(server, 'after')));
  assert.equal(utf8Decode((await engine.read())!), 'before');
  const failure = await engine.read().then(
    (chunk) => assert.fail(`read gave ${chunk === null ? 'end of stream' : JSON.stringify(utf8Decode(chunk))}`),
    (error: unknown) => error,
  );
  assert.ok(failure instanceof MyProxyWebError && failure.code === 'TLS_ALERT_RECEIVED', String(failure));
  assert.match(failure.message, /fatal alert bad_record_mac \(20\)/);
  // Sticky: every later read and write reports the same error; the transport is closed.
  await assert.rejects(engine.read(), (error) => error === failure);
  await assert.rejects(engine.write(utf8Encode('x')), (error) => error === failure);
  assert.ok(channel.closed);
});

test('a warning-level alert other than close_notify and user_canceled is fatal in TLS 1.3 (RFC 8446 §6)', async () => {
  const { engine, channel, server } = await connectedEngine();
  channel.push(concatBytes(await alert(server, 1, 90), await data(server, 'still here'), await alert(server, 1, 100), await data(server, 'never')));
  // user_canceled (90) is skipped.
  assert.equal(utf8Decode((await engine.read())!), 'still here');
  await assert.rejects(engine.read(), (error: MyProxyWebError) => error.code === 'TLS_ALERT_RECEIVED' && /warning-level alert no_renegotiation/.test(error.message));
});

test('close_notify ends the stream: null, and nothing after it is read', async () => {
  const { engine, channel, server } = await connectedEngine();
  channel.push(concatBytes(await data(server, 'last'), await alert(server, 1, 0), await data(server, 'ignored')));
  assert.equal(utf8Decode((await engine.read())!), 'last');
  assert.equal(await engine.read(), null);
  assert.equal(await engine.read(), null);
});

test('KeyUpdate(update_not_requested): later records use the next server secret, nothing is sent (RFC 8446 §4.6.3)', async () => {
  const { engine, channel, server } = await connectedEngine();
  const updated = await RecordProtection.create(suite, await nextTrafficSecret(suite, SERVER_SECRET));
  channel.push(concatBytes(await server.seal(ContentType.handshake, encodeKeyUpdate(false)), await data(updated, 'under the new key')));
  assert.equal(utf8Decode((await engine.read())!), 'under the new key');
  assert.equal(channel.written.length, 0, 'no KeyUpdate answer');
  // A record still under the old key no longer authenticates.
  channel.push(await data(server, 'old key'));
  await assert.rejects(engine.read(), { code: 'TLS_BAD_RECORD_MAC' });
});

test('KeyUpdate(update_requested): answered under the old client key, then the client key moves on', async () => {
  const { engine, channel, server } = await connectedEngine();
  const updated = await RecordProtection.create(suite, await nextTrafficSecret(suite, SERVER_SECRET));
  channel.push(concatBytes(await server.seal(ContentType.handshake, encodeKeyUpdate(true)), await data(updated, 'go on')));
  assert.equal(utf8Decode((await engine.read())!), 'go on');
  await engine.write(utf8Encode('after'));
  const oldKey = await RecordProtection.create(suite, CLIENT_SECRET);
  const newKey = await RecordProtection.create(suite, await nextTrafficSecret(suite, CLIENT_SECRET));
  const [answer, after] = await openWritten(channel, [oldKey, newKey]);
  assert.equal(answer!.type, ContentType.handshake);
  const message = (() => {
    const assembler = new HandshakeAssembler();
    assembler.push(answer!.content);
    return assembler.next()!;
  })();
  assert.deepEqual([message.type, [...message.body]], [HandshakeType.keyUpdate, [0]]);
  assert.deepEqual([after!.type, utf8Decode(after!.content)], [ContentType.applicationData, 'after']);
});

test('a KeyUpdate followed by part of another handshake message in its record is refused (RFC 8446 §5.1)', async () => {
  const { engine, channel, server } = await connectedEngine();
  const partial = encodeKeyUpdate(false).subarray(0, 3);
  channel.push(await server.seal(ContentType.handshake, concatBytes(encodeKeyUpdate(false), partial)));
  await assert.rejects(engine.read(), (error: MyProxyWebError) => error.code === 'TLS_PROTOCOL_ERROR' && /across a key change/.test(error.message));
});

test('a KeyUpdate with an invalid request value is refused with an illegal_parameter alert (RFC 8446 §4.6.3)', async () => {
  const { engine, channel, server } = await connectedEngine();
  const bad = encodeKeyUpdate(false);
  bad[bad.length - 1] = 2;
  channel.push(await server.seal(ContentType.handshake, bad));
  await assert.rejects(engine.read(), { code: 'TLS_PROTOCOL_ERROR' });
  await new Promise((resolve) => setTimeout(resolve, 10));
  const [sent] = await openWritten(channel, [await RecordProtection.create(suite, CLIENT_SECRET)]);
  assert.deepEqual([sent!.type, [...sent!.content]], [ContentType.alert, [2, 47]]);
  assert.ok(channel.closed);
});
