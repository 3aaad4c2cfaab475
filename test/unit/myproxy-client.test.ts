import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MyProxyWebError } from '../../shared/errors.js';
import { logon, type LogonOptions, type LogonStep } from '../../shared/myproxy/client.js';
import { generateRsaKeyPair } from '../../shared/pki/keys.js';
import type { ByteChannel } from '../../shared/transport/channel.js';
import { ScriptedChannel } from './myproxy-helpers.js';

const keyPair = await generateRsaKeyPair({ extractable: false, modulusBits: 1024 });

function base(overrides: Partial<LogonOptions> = {}): LogonOptions {
  return {
    openTransport: async () => new ScriptedChannel([]),
    serverName: 'myproxy.example.org',
    trustRoots: [new Uint8Array([0x30, 0x00])],
    username: 'alice',
    passphrase: 'secretpw',
    lifetimeSeconds: 3600,
    keyPair,
    ...overrides,
  };
}

async function errorOf(promise: Promise<unknown>): Promise<MyProxyWebError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MyProxyWebError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

describe('logon', () => {
  it('validates input before opening anything', async () => {
    let opened = 0;
    const openTransport = async (): Promise<ByteChannel> => {
      opened++;
      return new ScriptedChannel([]);
    };
    for (const overrides of [
      { username: '' },
      { passphrase: '12345' }, // myproxy-logon's MIN_PASS_PHRASE_LEN is 6
      { passphrase: 'abc\ndef' },
      { passphrase: 'xxUSERNAME=bob' },
      { lifetimeSeconds: 0 },
      { lifetimeSeconds: 1.5 },
      { serverName: '' },
      { credentialName: '' },
    ] as Partial<LogonOptions>[]) {
      const error = await errorOf(logon(base({ ...overrides, openTransport })));
      assert.equal(error.code, 'BAD_INPUT', JSON.stringify(overrides));
    }
    assert.equal(opened, 0);
  });

  it('rejects at once with ABORTED when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await errorOf(logon(base({ signal: controller.signal })));
    assert.equal(error.code, 'ABORTED');
  });

  it('closes a transport that arrives after an abort', async () => {
    const controller = new AbortController();
    const channel = new ScriptedChannel([], true);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let opening!: () => void;
    const openingCalled = new Promise<void>((resolve) => (opening = resolve));
    const steps: LogonStep[] = [];
    const promise = logon(
      base({
        signal: controller.signal,
        onProgress: (step) => steps.push(step),
        openTransport: async () => {
          opening();
          await gate;
          return channel;
        },
      }),
    );
    await openingCalled;
    controller.abort();
    const error = await errorOf(promise);
    assert.equal(error.code, 'ABORTED');
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(channel.closed, true);
    assert.deepEqual(steps, ['generating-key', 'connecting']);
  });

  it('opens the transport while a key pair given as a promise is still being made', async () => {
    let opened = false;
    let resolveKey!: (pair: CryptoKeyPair) => void;
    const pending = new Promise<CryptoKeyPair>((resolve) => (resolveKey = resolve));
    const error = await errorOf(
      logon(
        base({
          keyPair: pending,
          openTransport: async () => {
            opened = true;
            throw new MyProxyWebError('TRANSPORT_CONNECT_FAILED', 'refused');
          },
        }),
      ),
    );
    assert.equal(error.code, 'TRANSPORT_CONNECT_FAILED');
    assert.equal(opened, true);
    resolveKey(keyPair);
  });

  it('reports the earlier failure when a key pair promise also fails, with no unhandled rejection', async () => {
    let unhandled = 0;
    const onUnhandled = (): void => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      const error = await errorOf(
        logon(
          base({
            keyPair: Promise.reject(new Error('no key')),
            openTransport: async () => {
              throw new MyProxyWebError('TRANSPORT_CONNECT_FAILED', 'refused');
            },
          }),
        ),
      );
      assert.equal(error.code, 'TRANSPORT_CONNECT_FAILED');
      // An incomplete key pair from a promise fails only when the CSR is due; here the handshake fails first.
      const channel = new ScriptedChannel([]);
      const incomplete = await errorOf(logon(base({ keyPair: Promise.resolve({} as CryptoKeyPair), openTransport: async () => channel, handshakeTimeoutMs: 2000 })));
      assert.match(incomplete.code, /^(TLS_|TRANSPORT_)/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(unhandled, 0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('passes transport errors through and closes the transport on TLS failure', async () => {
    const refused = await errorOf(
      logon(
        base({
          openTransport: async () => {
            throw new MyProxyWebError('TRANSPORT_CONNECT_FAILED', 'refused');
          },
        }),
      ),
    );
    assert.equal(refused.code, 'TRANSPORT_CONNECT_FAILED');

    // The "server" closes at once: the TLS handshake fails, the transport is closed anyway.
    const channel = new ScriptedChannel([]);
    const error = await errorOf(logon(base({ openTransport: async () => channel, handshakeTimeoutMs: 2000 })));
    assert.match(error.code, /^(TLS_|TRANSPORT_)/);
    assert.equal(channel.closed, true);
  });
});
