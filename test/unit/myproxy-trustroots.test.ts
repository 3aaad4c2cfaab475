/**
 * Trust roots from the server (shared/myproxy/trustroots.ts): parsing TRUSTED_CERTS +
 * FILEDATA_<name>, refusing unsafe file names, the GET_TRUSTROOTS exchange on a scripted
 * channel, and the CLI installer refusing to write outside its directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { toBase64, utf8Decode, utf8Encode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { parseResponse } from '../../shared/myproxy/codec.js';
import { parseTrustRoots, requestTrustRoots, unsafeTrustRootName } from '../../shared/myproxy/trustroots.js';
import { INSTALL_LOG, installableTrustRoots, installTrustFiles, trustWriteTarget } from '../../cli/trust-install.js';
import { ScriptedChannel } from './myproxy-helpers.js';

const b64 = (text: string): string => toBase64(utf8Encode(text));

function response(names: string[], files: Record<string, string>, extra = ''): string {
  let text = `VERSION=MYPROXYv2\nRESPONSE=0\nTRUSTED_CERTS=${names.join(',')}\n`;
  for (const [name, content] of Object.entries(files)) text += `FILEDATA_${name}=${b64(content)}\n`;
  return text + extra;
}

const isCode = (code: string) => (e: unknown) => e instanceof MyProxyWebError && e.code === code;

describe('parseTrustRoots', () => {
  it('returns every listed file with its decoded contents, in order', () => {
    const roots = parseTrustRoots(parseResponse(response(['abcd1234.0', 'abcd1234.signing_policy', 'abcd1234.r0'], {
      'abcd1234.0': '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      'abcd1234.signing_policy': "access_id_CA X509 '/O=Grid/CN=CA'\n",
      'abcd1234.r0': 'crl',
    })));
    assert.deepEqual([...roots.files.keys()], ['abcd1234.0', 'abcd1234.signing_policy', 'abcd1234.r0']);
    assert.equal(utf8Decode(roots.files.get('abcd1234.signing_policy')!), "access_id_CA X509 '/O=Grid/CN=CA'\n");
    assert.deepEqual(roots.skipped, []);
  });

  it('gives nothing when the server sent no TRUSTED_CERTS (no cert_dir) or an empty list', () => {
    assert.equal(parseTrustRoots(parseResponse('VERSION=MYPROXYv2\nRESPONSE=0\n')).files.size, 0);
    assert.equal(parseTrustRoots(parseResponse('VERSION=MYPROXYv2\nRESPONSE=0\nTRUSTED_CERTS=\n')).files.size, 0);
  });

  it("skips unsafe names ('../x', 'a/b', '', '.hidden', '..', backslash, control characters) and reports them", () => {
    const unsafe = ['../x', 'a/b', '', '.hidden', '..', '.', 'a\\b', 'evil\u0001name', 'x..y', '/etc/passwd'];
    const names = ['good.0', ...unsafe];
    const files: Record<string, string> = { 'good.0': 'fine' };
    for (const name of unsafe) if (!name.includes('\n')) files[name] = 'attack';
    const roots = parseTrustRoots(parseResponse(response(names, files)));
    assert.deepEqual([...roots.files.keys()], ['good.0']);
    assert.deepEqual(roots.skipped.map((s) => s.name), unsafe);
    for (const { reason } of roots.skipped) assert.ok(reason.length > 0);
  });

  it('unsafeTrustRootName accepts the usual trust directory names', () => {
    for (const name of ['bb74b9b4.0', 'bb74b9b4.signing_policy', 'bb74b9b4.r0', 'bb74b9b4.namespaces', 'ca-bundle.crt', 'CA_1.pem']) {
      assert.equal(unsafeTrustRootName(name), undefined, name);
    }
    assert.ok(unsafeTrustRootName('x'.repeat(256)));
  });

  it('a listed name without FILEDATA, with two FILEDATA, or with bad base64 is a protocol error', () => {
    assert.throws(() => parseTrustRoots(parseResponse(response(['a.0'], {}))), isCode('MYPROXY_PROTOCOL_ERROR'));
    assert.throws(() => parseTrustRoots(parseResponse(response(['a.0'], { 'a.0': 'x' }, `FILEDATA_a.0=${b64('y')}\n`))), isCode('MYPROXY_PROTOCOL_ERROR'));
    assert.throws(() => parseTrustRoots(parseResponse('VERSION=MYPROXYv2\nRESPONSE=0\nTRUSTED_CERTS=a.0\nFILEDATA_a.0=not base64!\n')), isCode('MYPROXY_PROTOCOL_ERROR'));
    assert.throws(() => parseTrustRoots(parseResponse('VERSION=MYPROXYv2\nRESPONSE=0\nTRUSTED_CERTS=a.0\nTRUSTED_CERTS=b.0\n')), isCode('MYPROXY_PROTOCOL_ERROR'));
  });

  it('a name listed twice is taken once', () => {
    const roots = parseTrustRoots(parseResponse(response(['a.0', 'a.0'], { 'a.0': 'x' })));
    assert.deepEqual([...roots.files.keys()], ['a.0']);
    assert.deepEqual(roots.skipped, [{ name: 'a.0', reason: 'listed twice' }]);
  });
});

describe('requestTrustRoots', () => {
  it("sends '0' alone, then exactly myproxy-get-trustroots' request, and parses the single response", async () => {
    const reply = utf8Encode(`${response(['a.0'], { 'a.0': 'pem' })}\0`);
    const channel = new ScriptedChannel([new Uint8Array([0]), reply]);
    const roots = await requestTrustRoots(channel);
    assert.deepEqual(channel.written.map(utf8Decode), ['0', 'VERSION=MYPROXYv2\nCOMMAND=7\nUSERNAME=\nPASSPHRASE=\nLIFETIME=0\nTRUSTED_CERTS=1\n\0']);
    assert.equal(utf8Decode(roots.files.get('a.0')!), 'pem');
  });

  it('passes a server ERROR through unchanged as MYPROXY_REJECTED', async () => {
    const channel = new ScriptedChannel([utf8Encode('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=not authorized\n\0')]);
    await assert.rejects(requestTrustRoots(channel), (e: unknown) => isCode('MYPROXY_REJECTED')(e) && (e as Error).message === 'not authorized');
  });

  it('fails cleanly on malformed or truncated server data', async () => {
    await assert.rejects(requestTrustRoots(new ScriptedChannel([utf8Encode('garbage without terminator')])), isCode('MYPROXY_PROTOCOL_ERROR'));
    await assert.rejects(requestTrustRoots(new ScriptedChannel([utf8Encode('VERSION=MYPROXYv3\nRESPONSE=0\n\0')])), isCode('MYPROXY_PROTOCOL_ERROR'));
  });
});

describe('installTrustFiles (CLI)', () => {
  it('writes files 0644 atomically, logs them, creates a missing directory, and refuses unsafe names', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'trust-install-'));
    try {
      const target = path.join(base, 'certs');
      const written = await installTrustFiles(target, new Map([['a.0', utf8Encode('A')], ['a.signing_policy', utf8Encode('P')]]));
      assert.deepEqual(written, [path.join(target, 'a.0'), path.join(target, 'a.signing_policy')]);
      assert.deepEqual(readdirSync(target).sort(), ['a.0', 'a.signing_policy', INSTALL_LOG]);
      assert.equal(statSync(path.join(target, 'a.0')).mode & 0o777, 0o644);
      assert.match(readFileSync(path.join(target, INSTALL_LOG), 'utf8'), /^\d+: .*\/certs\/a\.0\n\d+: .*\/certs\/a\.signing_policy\n$/);
      assert.deepEqual(readdirSync(base), ['certs'], 'no temporary directory is left');
      for (const name of ['../escape', 'a/b', '', '.hidden', INSTALL_LOG]) {
        await assert.rejects(installTrustFiles(target, new Map([[name, utf8Encode('x')]])), isCode('BAD_INPUT'), name);
      }
      assert.equal(existsSync(path.join(base, 'escape')), false);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('does not install a myproxy-install-log sent by the server', () => {
    const roots = installableTrustRoots({ files: new Map([['a.0', utf8Encode('A')], [INSTALL_LOG, utf8Encode('x')]]), skipped: [] });
    assert.deepEqual([...roots.files.keys()], ['a.0']);
    assert.equal(roots.skipped[0]?.name, INSTALL_LOG);
  });

  it('writes where the native tools write: $X509_CERT_DIR, else the system directory as root, else ~/.globus/certificates', () => {
    assert.equal(trustWriteTarget({ X509_CERT_DIR: '/x' }, 1000), '/x');
    assert.equal(trustWriteTarget({}, 0), '/etc/grid-security/certificates');
    assert.equal(trustWriteTarget({ HOME: '/home/u' }, 1000), '/home/u/.globus/certificates');
  });
});
