import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { MessageReader } from '../../shared/myproxy/stream.js';
import { chunkings, derSequence, ScriptedChannel } from './myproxy-helpers.js';

const OK = utf8Encode('VERSION=MYPROXYv2\nRESPONSE=0\n\0');
const ERROR = utf8Encode('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=Certificate generation failure.\n\0');

async function rejectsWithCode(promise: Promise<unknown>, expected: string): Promise<MyProxyWebError> {
  let caught: unknown;
  await promise.then(
    () => assert.fail(`expected ${expected}`),
    (error: unknown) => {
      caught = error;
    },
  );
  assert.ok(caught instanceof MyProxyWebError, `not a MyProxyWebError: ${String(caught)}`);
  assert.equal(caught.code, expected, caught.message);
  return caught;
}

describe('MessageReader', () => {
  // A whole GET answer after OK₁: the stray TLS 1.3 NUL, OK₁, chain, final OK.
  const certs = [derSequence(5), derSequence(200), derSequence(877), derSequence(70_000)];
  const chain = concatBytes(new Uint8Array([certs.length]), ...certs);
  const stream = concatBytes(new Uint8Array([0, 0]), OK, chain, OK);

  for (const { name, chunks } of chunkings(stream)) {
    it(`parses text, chain and text from the byte stream (${name})`, async () => {
      const reader = new MessageReader(new ScriptedChannel(chunks));
      assert.equal(await reader.readText(5000), 'VERSION=MYPROXYv2\nRESPONSE=0\n');
      const got = await reader.readChain(5000);
      assert.equal(got.length, certs.length);
      got.forEach((der, i) => assert.deepEqual(der, certs[i]));
      assert.equal(await reader.readText(5000), 'VERSION=MYPROXYv2\nRESPONSE=0\n');
      assert.equal(reader.buffered, 0);
    });
  }

  it('skips any number of leading NULs before a text message', async () => {
    const reader = new MessageReader(new ScriptedChannel([new Uint8Array([0]), new Uint8Array([0, 0, 0]), OK]));
    assert.equal(await reader.readText(5000), 'VERSION=MYPROXYv2\nRESPONSE=0\n');
  });

  it('supports the general long form of DER lengths (0x84 included)', async () => {
    const cert = new Uint8Array([0x30, 0x84, 0, 0, 0, 3, 1, 2, 3]);
    const reader = new MessageReader(new ScriptedChannel([concatBytes(new Uint8Array([1]), cert, OK)]));
    assert.deepEqual(await reader.readChain(5000), [cert]);
    assert.equal(await reader.readText(5000), 'VERSION=MYPROXYv2\nRESPONSE=0\n');
  });

  for (const { name, chunks } of chunkings(ERROR)) {
    it(`throws the server's error text when a text message comes instead of a chain (${name})`, async () => {
      const reader = new MessageReader(new ScriptedChannel(chunks));
      const error = await rejectsWithCode(reader.readChain(5000), 'MYPROXY_REJECTED');
      assert.equal(error.message, 'Certificate generation failure.');
    });
  }

  it('joins multiple ERROR lines with newlines', async () => {
    const text = utf8Encode('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=credential locked\nERROR=ask the admin\n\0');
    const error = await rejectsWithCode(new MessageReader(new ScriptedChannel([text])).readChain(5000), 'MYPROXY_REJECTED');
    assert.equal(error.message, 'credential locked\nask the admin');
  });

  it('rejects an OK where a chain was expected', async () => {
    await rejectsWithCode(new MessageReader(new ScriptedChannel([OK])).readChain(5000), 'MYPROXY_PROTOCOL_ERROR');
  });

  it('rejects a zero count, non-SEQUENCE certificates and indefinite or huge lengths', async () => {
    for (const bytes of [
      [0],
      [1, 0x31, 0x03, 1, 2, 3],
      [1, 0x30, 0x80, 1, 2, 0, 0],
      [1, 0x30, 0x85, 0, 0, 0, 0, 1, 0],
      [1, 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff],
    ]) {
      await rejectsWithCode(new MessageReader(new ScriptedChannel([new Uint8Array(bytes)])).readChain(5000), 'MYPROXY_PROTOCOL_ERROR');
    }
  });

  it('reports every truncated prefix of a message as closed by the server', async () => {
    for (let cut = 0; cut < stream.length - OK.length - 1; cut += cut < 64 ? 1 : 997) {
      const reader = new MessageReader(new ScriptedChannel([stream.slice(0, cut)]));
      const run = async (): Promise<void> => {
        await reader.readText(5000);
        await reader.readChain(5000);
        await reader.readText(5000);
      };
      const error = await rejectsWithCode(run(), 'MYPROXY_PROTOCOL_ERROR');
      assert.match(error.message, /connection closed by server/);
    }
  });

  it('reports EOF before a response as closed by the server', async () => {
    const error = await rejectsWithCode(new MessageReader(new ScriptedChannel([])).readText(5000), 'MYPROXY_PROTOCOL_ERROR');
    assert.match(error.message, /connection closed by server/);
  });

  it('bounds text messages', async () => {
    const big = new Uint8Array(64 * 1024).fill(0x41);
    const chunks = Array.from({ length: 20 }, () => big);
    await rejectsWithCode(new MessageReader(new ScriptedChannel(chunks)).readText(5000), 'MYPROXY_PROTOCOL_ERROR');
  });

  it('times out with MYPROXY_TIMEOUT and keeps the pending read for a later call', async () => {
    const channel = new ScriptedChannel([utf8Encode('VERSION=MYPROX')], true);
    const reader = new MessageReader(channel);
    await rejectsWithCode(reader.readText(50), 'MYPROXY_TIMEOUT');
    await rejectsWithCode(reader.readText(20), 'MYPROXY_TIMEOUT');
    assert.equal(channel.reads, 2, 'the read cut short by the first timeout is reused');
  });

  it('propagates channel errors unchanged', async () => {
    const failing = {
      write: async () => undefined,
      read: async () => {
        throw new MyProxyWebError('TLS_BAD_RECORD_MAC', 'bad record mac');
      },
      close: () => undefined,
    };
    await rejectsWithCode(new MessageReader(failing).readText(5000), 'TLS_BAD_RECORD_MAC');
  });
});
