/** TLS codecs: round trips, every truncated prefix rejected with a code, random bytes never crash, ECDSA DER. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { concatBytes, fromHex, toHex } from '../../shared/bytes/bytes.js';
import { ByteReader } from '../../shared/bytes/reader.js';
import { ByteWriter } from '../../shared/bytes/writer.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { ContentType, HELLO_RETRY_REQUEST_RANDOM, HandshakeType } from '../../shared/tls/constants.js';
import { ecdsaDerToRaw } from '../../shared/tls/ecdsa-der.js';
import { readExtensions, writeExtensions } from '../../shared/tls/extensions.js';
import { HandshakeAssembler, encodeHandshake } from '../../shared/tls/handshake-framing.js';
import { decodeServerHello, encodeClientHello } from '../../shared/tls/messages-hello.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  encodeCertificate,
  encodeKeyUpdate,
} from '../../shared/tls/messages-server.js';
import { RecordLayer } from '../../shared/tls/record-layer.js';

function serverHelloBody(random: Uint8Array, extensions: { type: number; data: Uint8Array }[]): Uint8Array {
  const w = new ByteWriter().u16(0x0303).bytes(random).vector(1, (v) => v.bytes(new Uint8Array(32).fill(7))).u16(0x1301).u8(0);
  writeExtensions(w, extensions);
  return w.finish();
}

function assertEveryPrefixRejected(body: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let length = 0; length < body.length; length++) {
    assert.throws(() => decode(body.subarray(0, length)), (error: unknown) => error instanceof MyProxyWebError && error.code === 'TLS_DECODE_ERROR', `prefix ${length}`);
  }
}

test('ServerHello decodes, detects HelloRetryRequest, and rejects every truncation and trailing bytes', () => {
  const body = serverHelloBody(new Uint8Array(32).fill(1), [{ type: 43, data: fromHex('0304') }]);
  const hello = decodeServerHello(body);
  assert.equal(hello.isHelloRetryRequest, false);
  assert.equal(hello.cipherSuite, 0x1301);
  assert.equal(toHex(hello.extensions.get(43)!), '0304');
  assert.equal(decodeServerHello(serverHelloBody(HELLO_RETRY_REQUEST_RANDOM, [])).isHelloRetryRequest, true);
  // Truncations inside the extension block (the bare 38-byte TLS 1.2 form without extensions is legal).
  for (let length = 0; length < body.length; length++) {
    if (length === 2 + 32 + 33 + 3) continue;
    assert.throws(() => decodeServerHello(body.subarray(0, length)), { code: 'TLS_DECODE_ERROR' }, `prefix ${length}`);
  }
  assert.throws(() => decodeServerHello(concatBytes(body, new Uint8Array([0]))), { code: 'TLS_DECODE_ERROR' });
});

test('duplicate extensions are rejected', () => {
  const w = new ByteWriter();
  writeExtensions(w, [
    { type: 43, data: fromHex('0304') },
    { type: 43, data: fromHex('0304') },
  ]);
  assert.throws(() => readExtensions(new ByteReader(w.finish()), 'test'), { code: 'TLS_DECODE_ERROR' });
});

test('ClientHello carries the offered parameters, SNI only when given', () => {
  const params = {
    random: new Uint8Array(32).fill(9),
    sessionId: new Uint8Array(32).fill(3),
    cipherSuites: [0x1301, 0x1302],
    supportedGroups: [0x1d, 0x17, 0x18],
    signatureAlgorithms: [0x0804],
    signatureAlgorithmsCert: [0x0804, 0x0401],
    keyShares: [{ group: 0x1d, keyExchange: new Uint8Array(32).fill(5) }],
  };
  const withSni = encodeClientHello({ ...params, serverName: 'localhost' });
  assert.equal(withSni[0], HandshakeType.clientHello);
  const r = new ByteReader(withSni.subarray(4));
  assert.equal(r.u16('v'), 0x0303);
  assert.equal(toHex(r.bytesOf(32, 'random')), '09'.repeat(32));
  assert.equal(r.vector(1, 'sid').length, 32);
  assert.equal(toHex(r.vector(2, 'suites')), '13011302');
  assert.equal(toHex(r.vector(1, 'compression')), '00');
  const extensions = readExtensions(r, 'ClientHello');
  r.expectEnd('ClientHello');
  assert.deepEqual([...extensions.keys()], [0, 43, 10, 13, 50, 51]);
  assert.match(new TextDecoder().decode(extensions.get(0)!), /localhost$/);
  assert.equal(toHex(extensions.get(50)!), '000408040401');
  const withoutSni = encodeClientHello({ ...params, cookie: fromHex('abcd') });
  const r2 = new ByteReader(withoutSni.subarray(4 + 2 + 32 + 33 + 6 + 2));
  const ext2 = readExtensions(r2, 'ClientHello');
  assert.equal(ext2.has(0), false);
  assert.equal(toHex(ext2.get(44)!), '0002abcd');
});

test('Certificate round trip, empty client Certificate, truncations', () => {
  const chain = [fromHex('3003020101'), fromHex('3003020102')];
  const message = encodeCertificate(new Uint8Array(0), chain);
  const decoded = decodeCertificate(message.subarray(4));
  assert.deepEqual(decoded.entries.map((e) => toHex(e.der)), ['3003020101', '3003020102']);
  assertEveryPrefixRejected(message.subarray(4), decodeCertificate);
  const empty = encodeCertificate(fromHex('0102'), []);
  // type 11, length 6: context <02 0102>, certificate_list <000000>.
  assert.equal(toHex(empty), '0b000006020102000000');
  assert.deepEqual(decodeCertificate(empty.subarray(4)).entries, []);
});

test('CertificateRequest requires signature_algorithms; CertificateVerify and KeyUpdate decode', () => {
  const w = new ByteWriter().vector(1, () => undefined);
  writeExtensions(w, [{ type: 13, data: fromHex('00020804') }]);
  const request = decodeCertificateRequest(w.finish());
  assert.equal(request.context.length, 0);
  const noAlgorithms = new ByteWriter().vector(1, () => undefined);
  writeExtensions(noAlgorithms, []);
  assert.throws(() => decodeCertificateRequest(noAlgorithms.finish()), { code: 'TLS_PROTOCOL_ERROR' });
  const verify = decodeCertificateVerify(fromHex('08040003aabbcc'));
  assert.deepEqual([verify.scheme, toHex(verify.signature)], [0x0804, 'aabbcc']);
  assertEveryPrefixRejected(fromHex('08040003aabbcc'), decodeCertificateVerify);
  assert.equal(decodeKeyUpdate(encodeKeyUpdate(true).subarray(4)), true);
  assert.equal(decodeKeyUpdate(encodeKeyUpdate(false).subarray(4)), false);
  assert.throws(() => decodeKeyUpdate(fromHex('02')), { code: 'TLS_PROTOCOL_ERROR' });
  const ticket = fromHex('00000e10' + '01020304' + '0100' + '0002abcd' + '0000');
  decodeNewSessionTicket(ticket);
  assertEveryPrefixRejected(ticket, decodeNewSessionTicket);
});

test('handshake assembler: messages spanning and sharing records', () => {
  const a = encodeHandshake(8, fromHex('0000'));
  const b = encodeHandshake(20, new Uint8Array(300).fill(1));
  const assembler = new HandshakeAssembler();
  const all = concatBytes(a, b);
  assembler.push(all.subarray(0, 3));
  assert.equal(assembler.next(), null);
  assembler.push(all.subarray(3, 100));
  assert.equal(assembler.next()!.type, 8);
  assert.equal(assembler.next(), null);
  assert.equal(assembler.hasPartialMessage, true);
  assembler.push(all.subarray(100));
  const second = assembler.next()!;
  assert.equal(second.type, 20);
  assert.equal(toHex(second.raw), toHex(b));
  assert.equal(assembler.hasPartialMessage, false);
  assert.throws(() => assembler.push(new Uint8Array(0)), { code: 'TLS_DECODE_ERROR' });
  const huge = new HandshakeAssembler();
  huge.push(fromHex('0bffffff'));
  assert.throws(() => huge.next(), { code: 'TLS_DECODE_ERROR' });
});

test('record layer: split input, overflow, non-TLS input, 2^14 fragmentation', async () => {
  const layer = new RecordLayer();
  const record = fromHex('16030300020102');
  layer.push(record.subarray(0, 4));
  assert.equal(await layer.nextRecord(), null);
  layer.push(record.subarray(4));
  const got = await layer.nextRecord();
  assert.deepEqual([got!.type, toHex(got!.content), got!.encrypted], [ContentType.handshake, '0102', false]);
  const overflow = new RecordLayer();
  overflow.push(fromHex('1703034101'));
  await assert.rejects(overflow.nextRecord(), { code: 'TLS_RECORD_OVERFLOW' });
  const plainOverflow = new RecordLayer();
  plainOverflow.push(concatBytes(fromHex('1603034001'), new Uint8Array(0x4001)));
  await assert.rejects(plainOverflow.nextRecord(), { code: 'TLS_RECORD_OVERFLOW' });
  const text = new RecordLayer();
  text.push(new TextEncoder().encode('VERSION=MYPROXYv2\n'));
  await assert.rejects(text.nextRecord(), (error: MyProxyWebError) => error.code === 'TLS_PROTOCOL_ERROR' && /VERSION=/.test(error.message));
  const encoded = await new RecordLayer().encode(ContentType.handshake, new Uint8Array(2 ** 14 + 10));
  assert.equal(encoded.length, 5 + 2 ** 14 + 5 + 10);
  assert.equal(toHex(encoded.subarray(0, 5)), '1603034000');
});

test('random bytes never crash the decoders with anything but a MyProxyWebError', () => {
  const decoders = [decodeServerHello, decodeCertificate, decodeCertificateRequest, decodeCertificateVerify, decodeNewSessionTicket];
  for (let i = 0; i < 2000; i++) {
    const bytes = globalThis.crypto.getRandomValues(new Uint8Array(i % 90));
    for (const decode of decoders) {
      try {
        decode(bytes);
      } catch (error) {
        assert.ok(error instanceof MyProxyWebError, `non-MyProxyWebError from ${decode.name}: ${String(error)}`);
      }
    }
  }
});

test('ECDSA DER to raw r||s: padding, leading zeros, and strictness', () => {
  // r = 1, s = 0x80 (needs a 0x00 sign byte in DER).
  assert.equal(toHex(ecdsaDerToRaw(fromHex('3007020101020200 80'), 32)), '00'.repeat(31) + '01' + '00'.repeat(31) + '80');
  const r32 = 'ff'.repeat(32);
  const full = fromHex(`3046022100${r32}022100${r32}`);
  assert.equal(toHex(ecdsaDerToRaw(full, 32)), r32 + r32);
  // P-384: 48-byte integers; a short r is left-padded.
  const r48 = '7f'.repeat(48);
  assert.equal(toHex(ecdsaDerToRaw(fromHex(`30640230${r48}0230${r48}`), 48)), r48 + r48);
  assert.equal(toHex(ecdsaDerToRaw(fromHex(`30350201050230${r48}`), 48)), '00'.repeat(47) + '05' + r48);
  const bad = [
    '3006020101020101ff', // trailing byte after the SEQUENCE
    '3007020101020101', // SEQUENCE length longer than the data
    '300602010102020001', // non-minimal INTEGER (needless 0x00)
    '3006020101020180', // negative INTEGER
    '3006020100020101', // zero r
    '3106020101020101', // not a SEQUENCE
    '30060401010201 01', // OCTET STRING instead of INTEGER
    `3026022101${'ff'.repeat(32)}020101`, // r of 33 significant bytes, longer than the curve order
    '308106020101020101', // non-minimal long-form length
    '',
  ];
  for (const hex of bad) {
    assert.throws(() => ecdsaDerToRaw(fromHex(hex), 32), { code: 'TLS_BAD_SIGNATURE' }, hex);
  }
});
