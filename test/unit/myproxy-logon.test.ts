import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { getDelegation } from '../../shared/myproxy/logon.js';
import { chunkings, derSequence, ScriptedChannel } from './myproxy-helpers.js';

const OK = utf8Encode('VERSION=MYPROXYv2\nRESPONSE=0\n\0');
const CSR = derSequence(600, 0x11);
const REQUEST = { username: 'alice', passphrase: 'secretpw', lifetimeSeconds: 7200 };

function errorResponse(...lines: string[]): Uint8Array {
  return utf8Encode(`VERSION=MYPROXYv2\nRESPONSE=1\n${lines.map((line) => `ERROR=${line}\n`).join('')}\0`);
}

async function codeOf(promise: Promise<unknown>): Promise<MyProxyWebError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MyProxyWebError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

describe('getDelegation', () => {
  const certs = [derSequence(877, 1), derSequence(836, 2), derSequence(795, 3)];
  const answer = concatBytes(new Uint8Array([0]), OK, new Uint8Array([certs.length]), ...certs, OK);

  for (const { name, chunks } of chunkings(answer)) {
    it(`runs the GET exchange and returns [issued, ...chain] (${name})`, async () => {
      const channel = new ScriptedChannel(chunks);
      const result = await getDelegation(channel, { ...REQUEST, credentialName: 'cred1' }, CSR);
      assert.deepEqual(result, certs);
      assert.equal(channel.written.length, 3, "'0', request and CSR are separate writes");
      assert.deepEqual(channel.written[0], utf8Encode('0'));
      assert.equal(
        utf8Decode(channel.written[1]!),
        'VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=alice\nPASSPHRASE=secretpw\nLIFETIME=7200\nCRED_NAME=cred1\n\0',
      );
      assert.deepEqual(channel.written[2], CSR);
    });
  }

  for (const text of ['invalid password', 'Bad pass phrase', 'unknown username: carol', 'PAM authentication failed', 'no passphrase']) {
    it(`maps "${text}" to MYPROXY_AUTH_FAILED with the server's text`, async () => {
      const channel = new ScriptedChannel([errorResponse(text)]);
      const error = await codeOf(getDelegation(channel, REQUEST, CSR));
      assert.equal(error.code, 'MYPROXY_AUTH_FAILED');
      assert.equal(error.message, text);
      assert.equal(channel.written.length, 2, 'no CSR after an error');
    });
  }

  it('joins several ERROR lines unchanged', async () => {
    const error = await codeOf(getDelegation(new ScriptedChannel([errorResponse('no passphrase', 'authentication failed')]), REQUEST, CSR));
    assert.equal(error.code, 'MYPROXY_AUTH_FAILED');
    assert.equal(error.message, 'no passphrase\nauthentication failed');
  });

  it('maps other first-response errors to MYPROXY_REJECTED', async () => {
    const error = await codeOf(getDelegation(new ScriptedChannel([errorResponse('"/O=x" not authorized by server\'s authorized_retrievers policy')]), REQUEST, CSR));
    assert.equal(error.code, 'MYPROXY_REJECTED');
    assert.equal(error.message, '"/O=x" not authorized by server\'s authorized_retrievers policy');
  });

  it('reports RESPONSE=2 (renewal authorization) without a renewal credential as needing -a', async () => {
    const authz = utf8Encode('VERSION=MYPROXYv2\nRESPONSE=2\nAUTHORIZATION_DATA=X509_certificate_SHA256:e4f4a2d7\n\0');
    const error = await codeOf(getDelegation(new ScriptedChannel([authz]), REQUEST, CSR));
    assert.equal(error.code, 'MYPROXY_AUTH_FAILED');
    assert.match(error.message, /certificate authorization \(renewal\).*-a/);
  });

  it('throws an error sent instead of the chain as MYPROXY_REJECTED', async () => {
    const error = await codeOf(getDelegation(new ScriptedChannel([OK, errorResponse('Certificate generation failure.')]), REQUEST, CSR));
    assert.equal(error.code, 'MYPROXY_REJECTED');
    assert.equal(error.message, 'Certificate generation failure.');
  });

  it('throws a final ERROR even after a chain', async () => {
    const chain = concatBytes(new Uint8Array([1]), certs[0]!);
    const error = await codeOf(getDelegation(new ScriptedChannel([OK, chain, errorResponse('failed to store')]), REQUEST, CSR));
    assert.equal(error.code, 'MYPROXY_REJECTED');
  });

  it('fails when the server closes before the final response', async () => {
    const chain = concatBytes(new Uint8Array([1]), certs[0]!);
    const error = await codeOf(getDelegation(new ScriptedChannel([OK, chain]), REQUEST, CSR));
    assert.equal(error.code, 'MYPROXY_PROTOCOL_ERROR');
    assert.match(error.message, /connection closed by server/);
  });

  it('times out with MYPROXY_TIMEOUT', async () => {
    const error = await codeOf(getDelegation(new ScriptedChannel([], true), REQUEST, CSR, { responseTimeoutMs: 30 }));
    assert.equal(error.code, 'MYPROXY_TIMEOUT');
  });

  it('validates the request before writing anything', async () => {
    const channel = new ScriptedChannel([OK]);
    const error = await codeOf(getDelegation(channel, { ...REQUEST, passphrase: 'x\nUSERNAME=bob' }, CSR));
    assert.equal(error.code, 'BAD_INPUT');
    assert.equal(channel.written.length, 0);
  });
});
