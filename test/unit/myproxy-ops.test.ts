/** MyProxy INFO/DESTROY/CHANGE/STORE/RETRIEVE/PUT/renewal on scripted channels: requests, parsers, malformed server data. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Decode, utf8Encode, concatBytes } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { certificateAuthorizationReply } from '../../shared/myproxy/authorization.js';
import { changePassphrase, changePassphraseRequestBytes } from '../../shared/myproxy/change-passphrase.js';
import { parseResponse } from '../../shared/myproxy/codec.js';
import { destroyCredential } from '../../shared/myproxy/destroy.js';
import { getInfo } from '../../shared/myproxy/info.js';
import { putRequestBytes } from '../../shared/myproxy/put.js';
import { retrieveCredential } from '../../shared/myproxy/retrieve.js';
import { storeCredential, storePayload, storeRequestBytes } from '../../shared/myproxy/store.js';
import { MessageReader, MAX_TEXT_MESSAGE_BYTES } from '../../shared/myproxy/stream.js';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, findPrivateKeyPem, wrapPkcs1InPkcs8 } from '../../shared/pki/encrypted-key.js';
import { exportPrivateKeyPkcs8, generateRsaKeyPair, unwrapPkcs8Rsa } from '../../shared/pki/keys.js';
import { derSequence, ScriptedChannel } from './myproxy-helpers.js';

const OK = utf8Encode('VERSION=MYPROXYv2\nRESPONSE=0\n\0');
const text = (s: string) => utf8Encode(s);
const isCode = (code: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof MyProxyWebError, String(error));
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

describe('requests', () => {
  it('CHANGE sends PASSPHRASE=old and NEW_PHRASE=new, and refuses a short new pass phrase', () => {
    const bytes = utf8Decode(changePassphraseRequestBytes({ username: 'alice', oldPassphrase: 'secretpw', newPassphrase: 'newsecret', credentialName: 'cred1' }));
    assert.equal(bytes, 'VERSION=MYPROXYv2\nCOMMAND=4\nUSERNAME=alice\nPASSPHRASE=secretpw\nLIFETIME=0\nCRED_NAME=cred1\nNEW_PHRASE=newsecret\n\0');
    assert.throws(() => changePassphraseRequestBytes({ username: 'alice', oldPassphrase: 'secretpw', newPassphrase: 'short' }), isCode('BAD_INPUT', /6 characters/));
  });

  it('STORE and PUT carry the policy fields; KEY= injection and bad lifetimes are BAD_INPUT', () => {
    const store = utf8Decode(storeRequestBytes({ username: 'alice', maxDelegationSeconds: 21600, credentialName: 'c2', policy: { description: 'desc2', keyRetrievers: '*/CN=Alice' } }));
    assert.equal(store, 'VERSION=MYPROXYv2\nCOMMAND=5\nUSERNAME=alice\nPASSPHRASE=\nLIFETIME=21600\nCRED_NAME=c2\nCRED_DESC=desc2\nKEYRETRIEVERS=*/CN=Alice\n\0');
    const put = utf8Decode(putRequestBytes({ username: 'alice', passphrase: '', maxDelegationSeconds: 3600, policy: { renewers: '*' } }));
    assert.match(put, /COMMAND=1\nUSERNAME=alice\nPASSPHRASE=\nLIFETIME=3600\nRENEWER=\*\n\0$/);
    assert.throws(() => putRequestBytes({ username: 'alice', passphrase: 'abc', maxDelegationSeconds: 3600 }), isCode('BAD_INPUT'));
    assert.throws(() => putRequestBytes({ username: 'alice', passphrase: 'secret12', maxDelegationSeconds: 0 }), isCode('BAD_INPUT'));
    assert.throws(() => storeRequestBytes({ username: 'alice', maxDelegationSeconds: 60, policy: { description: 'x USERNAME=bob' } }), isCode('BAD_INPUT', /NAME=/));
    assert.throws(() => storeRequestBytes({ username: 'alice\nCOMMAND=3', maxDelegationSeconds: 60 }), isCode('BAD_INPUT'));
  });

  it('nothing is written when the request is invalid', async () => {
    const channel = new ScriptedChannel([OK]);
    await assert.rejects(destroyCredential(channel, { username: 'alice', credentialName: 'PASSPHRASE=x' }), isCode('BAD_INPUT'));
    await assert.rejects(getInfo(channel, { username: 'a\0b' }), isCode('BAD_INPUT'));
    assert.equal(channel.written.length, 0);
  });
});

describe('server answers', () => {
  it('INFO lists every credential with Dates (ADDL_CREDS)', async () => {
    const reply = 'VERSION=MYPROXYv2\nRESPONSE=0\nCRED_DESC=default desc\nCRED_START_TIME=1795321589\nCRED_END_TIME=1795494689\nCRED_OWNER=/O=Test/CN=Alice\nCRED_RENEWER=*/CN=/O=Test/CN=Alice\nCRED_eec_DESC=the EEC\nCRED_eec_START_TIME=1795321154\nCRED_eec_END_TIME=1797913154\nCRED_eec_OWNER=/O=Test/CN=Alice\nCRED_eec_KEYRETRIEVERS=*/CN=/O=Test/CN=Alice\nADDL_CREDS=eec\n\0';
    const info = await getInfo(new ScriptedChannel([text(reply)]), { username: 'alice' });
    assert.equal(info.owner, '/O=Test/CN=Alice');
    assert.equal(info.endTime?.getTime(), 1795494689000);
    assert.equal(info.additional.length, 1);
    assert.equal(info.additional[0]!.name, 'eec');
    assert.equal(info.additional[0]!.keyRetrievers, '*/CN=/O=Test/CN=Alice');
  });

  it('a wrong VERSION is a protocol error; ERROR lines are MYPROXY_REJECTED / AUTH_FAILED', async () => {
    await assert.rejects(destroyCredential(new ScriptedChannel([text('VERSION=MYPROXYv1\nRESPONSE=0\n\0')]), { username: 'alice' }), isCode('MYPROXY_PROTOCOL_ERROR', /version/));
    await assert.rejects(destroyCredential(new ScriptedChannel([text('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=Credentials do not exist.\n\0')]), { username: 'alice' }), isCode('MYPROXY_REJECTED', /do not exist/));
    await assert.rejects(
      changePassphrase(new ScriptedChannel([text('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=Bad password\nERROR=invalid credential passphrase\n\0')]), { username: 'alice', oldPassphrase: 'oldpass1', newPassphrase: 'newpass1' }),
      isCode('MYPROXY_AUTH_FAILED'),
    );
  });

  it('RETRIEVE returns the stored PEM; an ERROR in its place is thrown; EOF mid-message is a protocol error', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAMCAQE=\n-----END ENCRYPTED PRIVATE KEY-----\n\n';
    const result = await retrieveCredential(new ScriptedChannel([OK, text(`${pem}\0`), OK]), { username: 'alice', passphrase: 'secret12' });
    assert.equal(result.pem, pem);
    assert.equal(result.certificates.length, 1);
    assert.ok(result.keyEncrypted);
    await assert.rejects(
      retrieveCredential(new ScriptedChannel([OK, text('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=not authorized by key retrievers\n\0')]), { username: 'alice', passphrase: 'secret12' }),
      isCode('MYPROXY_REJECTED', /key retrievers/),
    );
    await assert.rejects(retrieveCredential(new ScriptedChannel([OK, text(pem)]), { username: 'alice', passphrase: 'secret12' }), isCode('MYPROXY_PROTOCOL_ERROR', /closed/));
  });

  it('STORE sends the PEM text plus NUL in one write after OK₁', async () => {
    const channel = new ScriptedChannel([OK, OK]);
    const pem = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n';
    await storeCredential(channel, { username: 'alice', maxDelegationSeconds: 3600 }, pem);
    assert.equal(channel.written.length, 3);
    assert.equal(utf8Decode(channel.written[0]!), '0');
    assert.equal(utf8Decode(channel.written[2]!), `${pem}\0`);
  });
});

describe('readDer (PUT: the server certificate request)', () => {
  it('reads one DER value split across chunks and leaves the rest', async () => {
    const der = derSequence(300);
    const bytes = concatBytes(der, OK);
    const reader = new MessageReader(new ScriptedChannel([bytes.slice(0, 3), bytes.slice(3, 100), bytes.slice(100)]));
    assert.deepEqual(await reader.readDer(5000), der);
    assert.equal(parseResponse(await reader.readText(5000)).response, 0);
  });

  it('truncated DER, a non-SEQUENCE, an oversized length and an ERROR in its place', async () => {
    await assert.rejects(new MessageReader(new ScriptedChannel([derSequence(300).slice(0, 200)])).readDer(5000), isCode('MYPROXY_PROTOCOL_ERROR', /closed/));
    await assert.rejects(new MessageReader(new ScriptedChannel([new Uint8Array([0x31, 0x03, 1, 2, 3])])).readDer(5000), isCode('MYPROXY_PROTOCOL_ERROR', /SEQUENCE/));
    const huge = new Uint8Array([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]);
    await assert.rejects(new MessageReader(new ScriptedChannel([huge])).readDer(5000), isCode('MYPROXY_PROTOCOL_ERROR', new RegExp(`exceeds ${MAX_TEXT_MESSAGE_BYTES}`)));
    await assert.rejects(new MessageReader(new ScriptedChannel([text('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=no\n\0')])).readDer(5000), isCode('MYPROXY_REJECTED'));
  });

  it('a chain whose count exceeds the certificates sent is a protocol error', async () => {
    await assert.rejects(new MessageReader(new ScriptedChannel([concatBytes(new Uint8Array([3]), derSequence(10), derSequence(10))])).readChain(5000), isCode('MYPROXY_PROTOCOL_ERROR', /certificate 3 of 3/));
  });
});

describe('keys and renewal reply', () => {
  it('PBES2 AES-256-CBC round trip; a wrong pass phrase is BAD_INPUT; PKCS#1 wraps back into PKCS#8', async () => {
    const keys = await generateRsaKeyPair({ extractable: true });
    const pkcs8 = await exportPrivateKeyPkcs8(keys.privateKey);
    const encrypted = await encryptPrivateKeyInfo(pkcs8, 'secret123');
    assert.deepEqual(await decryptPrivateKeyInfo(encrypted, 'secret123'), pkcs8);
    await assert.rejects(decryptPrivateKeyInfo(encrypted, 'wrong-pass'), isCode('BAD_INPUT'));
    assert.deepEqual(wrapPkcs1InPkcs8(unwrapPkcs8Rsa(pkcs8)), pkcs8);
    const payload = await storePayload([derSequence(10)], pkcs8, 'secret123');
    assert.equal(findPrivateKeyPem(payload)?.kind, 'encrypted');
  });

  it('certificate authorization reply: header, length, signature, chain; SHA-256 preferred', async () => {
    const keys = await generateRsaKeyPair({ extractable: true });
    const response = parseResponse('VERSION=MYPROXYv2\nRESPONSE=2\nAUTHORIZATION_DATA=X509_certificate:059f61a7f3c7063ad8c54563dcb8ae00\nAUTHORIZATION_DATA=X509_certificate_SHA256:e4f4a2d7c5d51fc113d7d267a2530944\n');
    const chain = [derSequence(20), derSequence(30)];
    const reply = await certificateAuthorizationReply(response, { chain, privateKey: keys.privateKey });
    assert.deepEqual([...reply.subarray(0, 4)], [4, 0, 0, 0]);
    const length = new DataView(reply.buffer, reply.byteOffset + 4, 4).getUint32(0);
    assert.equal(length, 256);
    const signature = reply.subarray(8, 8 + length);
    assert.ok(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', keys.publicKey, signature.slice(), new Uint8Array(utf8Encode('e4f4a2d7c5d51fc113d7d267a2530944'))));
    assert.equal(reply[8 + length], 2);
    assert.equal(reply.length, 8 + length + 1 + 22 + 32);
    const sha1Only = parseResponse('VERSION=MYPROXYv2\nRESPONSE=2\nAUTHORIZATION_DATA=X509_certificate:059f61a7f3c7063ad8c54563dcb8ae00\n');
    assert.equal((await certificateAuthorizationReply(sha1Only, { chain, privateKey: keys.privateKey }))[0], 2);
    await assert.rejects(certificateAuthorizationReply(parseResponse('VERSION=MYPROXYv2\nRESPONSE=2\nAUTHORIZATION_DATA=SASL:abc\n'), { chain, privateKey: keys.privateKey }), isCode('MYPROXY_REJECTED', /SASL/));
  });
});
