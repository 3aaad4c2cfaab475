/** RFC 8448 §3 "Simple 1-RTT Handshake" and §5 "HelloRetryRequest" (TLS_AES_128_GCM_SHA256) against our key schedule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from '../../shared/bytes/bytes.js';
import { TLS_AES_128_GCM_SHA256 } from '../../shared/tls/cipher-suites.js';
import { HandshakeType, NamedGroup } from '../../shared/tls/constants.js';
import { verifyServerSignature } from '../../shared/tls/certificate-verify.js';
import { HandshakeAssembler } from '../../shared/tls/handshake-framing.js';
import { KeyShare } from '../../shared/tls/key-share.js';
import { deriveSecret, digest, hkdfExpandLabel, hkdfExtract } from '../../shared/tls/hkdf.js';
import { EarlySecret, finishedVerifyData, nextTrafficSecret, trafficKeys } from '../../shared/tls/key-schedule.js';
import { decodeServerHello, decodeServerKeyShare } from '../../shared/tls/messages-hello.js';
import { decodeCertificate, decodeCertificateVerify, encodeFinished } from '../../shared/tls/messages-server.js';
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

/**
 * RFC 8448 §5 "HelloRetryRequest" (TLS_AES_128_GCM_SHA256): the client offers X25519, the server asks
 * for P-256 with a cookie. The trace's records, and the client's P-256 key (the RFC prints every one),
 * replayed through our transcript (message_hash of ClientHello1, RFC 8446 §4.4.1), P-256 key share,
 * key schedule and record protection: the server flight must open and verify, and our client Finished
 * record must be the trace's, byte for byte.
 */
const HRR_TRACE = {
  clientHello1:
    '16030100b4010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001',
  helloRetryRequest:
    '16030300b0020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c001301000084003300020017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304',
  clientHello2:
    '1603030200010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500af' +
    '00'.repeat(0xaf),
  serverHello:
    '160303007b020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f003300450017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304',
  /** EncryptedExtensions, Certificate, CertificateVerify and Finished in one protected record. */
  serverFlight:
    '170303029699bee20baf5b7fc727bfab6223928a381e6d0cf9c4da653f9d2a7b23f7de11cce842d5cf75631763450ffb8b0cc1d238e658af7a12adc86243114ab14a1da2fae42621ce483fb6242eabfaad52566b02b31d2eddedefeb80e66a9900d5f973b40c4fdf74719ecf1b68d7f9c3b6ceb903ca13dd1bb8f8187ae33417e1d152522c5822a1a03ad52c838c55953d610222874cce8e1790b229a2aa0b53c8d377ee720182951dc6181dc5d90bd1f0105ed1e84aa5f75957c6661897079e5ea5007449e3197bdc7c9beeedddeafdd844afa5c315ecfe65e576afe909812880620ec7048b42d7f5c78d76f299d6d82534bdd8f512febc0ed3814aca470cd8000d3e1cb9962b052fbb950df683a52c2ba77ed3713b122937a6e5170964e2ab7969dcd980b3db9b458da7603124d6dc005e4d6e04b4d0c4baf3275db827dbba0a6db09672171fc057b3851d7e026841e2978fbd2346bbefdd0376bb1108fe9acc92189f5650aa5e85d8e8c7b67ac510dba003d3d7e16350bb66d45013efd44c9b607c0d318c4c7d1a1f5cbc57e20611804e3787d7b4a4b5f08ed8fd70bdaeade02260b12ab842ef690b4a3ee7911e841b374ecd5ebbbc2a54d047b600336dd7d0c88b4bc10e58ee6cb656de7247fa20d8e91deb84628608cf80615b62e96c1491c7ac3755eb6901405d3474fe1ac79d106a0cee56c2577fc88480f96cb6b8c681b7b68b53c146093908f350888175bdfb0b1e31ad61e30ba0adfe6d223aa03c0783b5001a57587c328a9afcfcfb978d1cd4328f7d9d60530e630befd96c0c816ee20b0100768ae2a6df51fc68f172740a79af11398ee3be1252491fa9c693479e877f94ab7c5f8cad480203e6ab7b87dd71e8a0729113df17f5eee86ce108d1d72007ec1cd13c85a6c149621e77b7d78d805a30f0be030c315e54',
  clientFinished: '1703030035d74f1923c662fd34137c6f502f3dd2b93d951d1b3bc97e42afe23c31abea92fe91b474999e85e3b791ce252fe8c3e9f939a4120cb2',
  /** {client} create an ephemeral P-256 key pair (after the HelloRetryRequest). */
  p256Private: 'ab5473467e19346ceb0a0414e41da21d4d2445bc3025afe97c4e8dc8d513da39',
  p256Public: '04a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780',
};

/** The handshake message inside a plaintext record (5-byte header). */
const recordBody = (hex: string) => fromHex(hex).subarray(5);
const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

test('RFC 8448 §5 HelloRetryRequest: transcript, P-256 share, key schedule and records reproduce the trace', async () => {
  const transcript = new Transcript();
  transcript.add(recordBody(HRR_TRACE.clientHello1));
  const hrr = recordBody(HRR_TRACE.helloRetryRequest);
  assert.equal(decodeServerHello(hrr.subarray(4)).isHelloRetryRequest, true);
  // RFC 8446 §4.4.1: ClientHello1 becomes message_hash(Hash(ClientHello1)); then HRR, ClientHello2, ServerHello.
  await transcript.replaceWithMessageHash('SHA-256');
  transcript.add(hrr);
  transcript.add(recordBody(HRR_TRACE.clientHello2));
  const serverHello = recordBody(HRR_TRACE.serverHello);
  transcript.add(serverHello);
  const hello = decodeServerHello(serverHello.subarray(4));
  assert.equal(hello.cipherSuite, suite.id);
  const serverShare = decodeServerKeyShare(hello.extensions.get(51)!);
  assert.equal(serverShare.group, NamedGroup.secp256r1);

  const pub = fromHex(HRR_TRACE.p256Public);
  const jwk = { kty: 'EC', crv: 'P-256', d: base64url(fromHex(HRR_TRACE.p256Private)), x: base64url(pub.subarray(1, 33)), y: base64url(pub.subarray(33)) };
  const privateKey = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const share = KeyShare.fromPrivateKey(NamedGroup.secp256r1, privateKey, pub);
  const handshake = await (await EarlySecret.create(suite)).toHandshakeSecret(await share.sharedSecret(serverShare.keyExchange));
  const traffic = await handshake.trafficSecrets(await transcript.hash('SHA-256'));

  // The server flight opens under server_handshake_traffic_secret (RFC 8446 §5.2) and its Finished verifies (§4.4.4).
  const flight = fromHex(HRR_TRACE.serverFlight);
  const inner = await (await RecordProtection.create(suite, traffic.server)).open(flight.subarray(0, 5), flight.subarray(5));
  assert.equal(inner.type, 22);
  const assembler = new HandshakeAssembler();
  assembler.push(inner.content);
  const types: number[] = [];
  let leaf: Uint8Array | undefined;
  for (let message = assembler.next(); message; message = assembler.next()) {
    types.push(message.type);
    if (message.type === HandshakeType.certificate) leaf = decodeCertificate(message.body).entries[0]!.der;
    if (message.type === HandshakeType.certificateVerify) {
      const verify = decodeCertificateVerify(message.body);
      await verifyServerSignature(leaf!, verify.scheme, verify.signature, await transcript.hash('SHA-256'));
    }
    if (message.type === HandshakeType.finished) {
      assert.equal(toHex(message.body), toHex(await finishedVerifyData(suite, traffic.server, await transcript.hash('SHA-256'))));
    }
    transcript.add(message.raw);
  }
  assert.deepEqual(types, [HandshakeType.encryptedExtensions, HandshakeType.certificate, HandshakeType.certificateVerify, HandshakeType.finished]);

  // Our Finished over ClientHello1..server Finished, sealed under client_handshake_traffic_secret: the trace's record.
  const finished = encodeFinished(await finishedVerifyData(suite, traffic.client, await transcript.hash('SHA-256')));
  const record = await (await RecordProtection.create(suite, traffic.client)).seal(22, finished);
  assert.equal(toHex(record), HRR_TRACE.clientFinished);
});
