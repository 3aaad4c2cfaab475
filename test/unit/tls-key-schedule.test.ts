/** RFC 8448 §3 "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256, X25519) against our key schedule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from '../../shared/bytes/bytes.js';
import { TLS_AES_128_GCM_SHA256 } from '../../shared/tls/cipher-suites.js';
import { HandshakeType } from '../../shared/tls/constants.js';
import { deriveSecret, digest, hkdfExpandLabel, hkdfExtract } from '../../shared/tls/hkdf.js';
import { EarlySecret, finishedVerifyData, nextTrafficSecret, trafficKeys } from '../../shared/tls/key-schedule.js';
import { decodeServerHello, decodeServerKeyShare } from '../../shared/tls/messages-hello.js';
import { RecordProtection } from '../../shared/tls/record-protection.js';
import { Transcript } from '../../shared/tls/transcript.js';

const suite = TLS_AES_128_GCM_SHA256;
const SHARED = '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d';
const HELLO_HASH = '860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8';
const SERVER_FINISHED_HASH = '9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13';
/** RFC 8448 §3 ServerHello handshake message. */
const SERVER_HELLO =
  '020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020' +
  'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304';

test('HKDF-Extract gives the RFC 8448 early secret', async () => {
  const early = await EarlySecret.create(suite);
  assert.equal(toHex(early.secret), '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a');
  const empty = await digest('SHA-256', new Uint8Array(0));
  assert.equal(toHex(await deriveSecret('SHA-256', early.secret, 'derived', empty)), '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba');
  // An explicit all-zero salt equals the absent salt.
  assert.equal(toHex(await hkdfExtract('SHA-256', new Uint8Array(32), new Uint8Array(32))), toHex(early.secret));
});

test('handshake secret and handshake traffic secrets, keys and IVs', async () => {
  const handshake = await (await EarlySecret.create(suite)).toHandshakeSecret(fromHex(SHARED));
  assert.equal(toHex(handshake.secret), '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac');
  const traffic = await handshake.trafficSecrets(fromHex(HELLO_HASH));
  assert.equal(toHex(traffic.client), 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21');
  assert.equal(toHex(traffic.server), 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38');
  const serverKeys = await trafficKeys(suite, traffic.server);
  assert.equal(toHex(serverKeys.key), '3fce516009c21727d0f2e4e86ee403bc');
  assert.equal(toHex(serverKeys.iv), '5d313eb2671276ee13000b30');
  const clientKeys = await trafficKeys(suite, traffic.client);
  assert.equal(toHex(clientKeys.key), 'dbfaa693d1762c5b666af5d950258d01');
  assert.equal(toHex(clientKeys.iv), '5bd3c71b836e0b76bb73265f');
  assert.equal(
    toHex(await hkdfExpandLabel('SHA-256', traffic.server, 'finished', new Uint8Array(0), 32)),
    '008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8',
  );
  assert.equal(
    toHex(await hkdfExpandLabel('SHA-256', traffic.client, 'finished', new Uint8Array(0), 32)),
    'b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4',
  );
});

test('master secret, application traffic secrets, keys and the client Finished', async () => {
  const handshake = await (await EarlySecret.create(suite)).toHandshakeSecret(fromHex(SHARED));
  const master = await handshake.toMasterSecret();
  assert.equal(toHex(master.secret), '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919');
  const app = await master.trafficSecrets(fromHex(SERVER_FINISHED_HASH));
  assert.equal(toHex(app.client), '9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');
  assert.equal(toHex(app.server), 'a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643');
  const serverKeys = await trafficKeys(suite, app.server);
  assert.equal(toHex(serverKeys.key), '9f02283b6c9c07efc26bb9f2ac92e356');
  assert.equal(toHex(serverKeys.iv), 'cf782b88dd83549aadf1e984');
  const clientKeys = await trafficKeys(suite, app.client);
  assert.equal(toHex(clientKeys.key), '17422dda596ed5d9acd890e3c63f5051');
  assert.equal(toHex(clientKeys.iv), '5b78923dee08579033e523d9');
  // The client Finished covers ClientHello..server Finished (RFC 8448 §3, "send handshake record").
  const traffic = await handshake.trafficSecrets(fromHex(HELLO_HASH));
  assert.equal(
    toHex(await finishedVerifyData(suite, traffic.client, fromHex(SERVER_FINISHED_HASH))),
    'a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61',
  );
  // A different transcript must give a different Finished.
  assert.notEqual(toHex(await finishedVerifyData(suite, traffic.client, fromHex(HELLO_HASH))), 'a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61');
});

test('the RFC 8448 ServerHello decodes to the expected suite and X25519 share', () => {
  const message = fromHex(SERVER_HELLO);
  assert.equal(message[0], HandshakeType.serverHello);
  const hello = decodeServerHello(message.subarray(4));
  assert.equal(hello.isHelloRetryRequest, false);
  assert.equal(hello.cipherSuite, 0x1301);
  const share = decodeServerKeyShare(hello.extensions.get(51)!);
  assert.equal(share.group, 0x001d);
  assert.equal(toHex(share.keyExchange), 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
});

test('transcript message_hash replacement (RFC 8446 §4.4.1)', async () => {
  const transcript = new Transcript();
  const hello = new Uint8Array([1, 0, 0, 2, 0xaa, 0xbb]);
  transcript.add(hello);
  await transcript.replaceWithMessageHash('SHA-256');
  const inner = await digest('SHA-256', hello);
  const expected = await digest('SHA-256', new Uint8Array([254, 0, 0, 32, ...inner]));
  assert.equal(toHex(await transcript.hash('SHA-256')), toHex(expected));
});

test('record protection round trip, sequence numbers and tamper detection', async () => {
  const secret = fromHex('9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5');
  const sender = await RecordProtection.create(suite, secret);
  const receiver = await RecordProtection.create(suite, secret);
  const first = await sender.seal(23, new Uint8Array([0x30]));
  assert.equal(first.length, 5 + 1 + 1 + 16, "a 1-byte write is one 23-byte record");
  const second = await sender.seal(22, new Uint8Array([1, 2, 3]));
  assert.notEqual(toHex(first.subarray(5)), toHex(second.subarray(5, 23)));
  const opened = await receiver.open(first.subarray(0, 5), first.subarray(5));
  assert.deepEqual([opened.type, [...opened.content]], [23, [0x30]]);
  const tampered = second.slice();
  tampered[7]! ^= 1;
  await assert.rejects(receiver.open(tampered.subarray(0, 5), tampered.subarray(5)), { code: 'TLS_BAD_RECORD_MAC' });
  // Replaying the first record out of order fails: the sequence number moved on.
  const fresh = await RecordProtection.create(suite, secret);
  await assert.rejects(fresh.open(second.subarray(0, 5), second.subarray(5)), { code: 'TLS_BAD_RECORD_MAC' });
  const next = await nextTrafficSecret(suite, secret);
  assert.equal(next.length, 32);
  assert.notEqual(toHex(next), toHex(secret));
});
