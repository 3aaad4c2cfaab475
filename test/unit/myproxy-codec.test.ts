import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8Decode } from '../../shared/bytes/bytes.js';
import { MyProxyWebError } from '../../shared/errors.js';
import { parseResponse, serializeRequest } from '../../shared/myproxy/codec.js';

function code(error: unknown): string | undefined {
  return error instanceof MyProxyWebError ? error.code : undefined;
}

function rejectsWith(fn: () => unknown, expected: string): void {
  assert.throws(fn, (error: unknown) => code(error) === expected);
}

describe('serializeRequest', () => {
  it('produces the GET bytes of the C client (protocol notes §1.7 record 5)', () => {
    const bytes = serializeRequest({ command: 0, username: 'alice', passphrase: 'secretpw', lifetimeSeconds: 7200 });
    assert.equal(utf8Decode(bytes), 'VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=alice\nPASSPHRASE=secretpw\nLIFETIME=7200\n\0');
    assert.equal(bytes.length, 78);
  });

  it('matches the captured GET -T request with CRED_NAME and TRUSTED_CERTS (§2.1)', () => {
    const bytes = serializeRequest({
      command: 0,
      username: 'alice',
      passphrase: 'secretpw',
      lifetimeSeconds: 18000,
      credentialName: 'cred1',
      trustedCerts: true,
    });
    assert.equal(
      utf8Decode(bytes),
      'VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=alice\nPASSPHRASE=secretpw\nLIFETIME=18000\nCRED_NAME=cred1\nTRUSTED_CERTS=1\n\0',
    );
  });

  it('matches the captured TRUST and INFO requests (§2.1)', () => {
    assert.equal(
      utf8Decode(serializeRequest({ command: 7, username: '', passphrase: '', lifetimeSeconds: 0, trustedCerts: true })),
      'VERSION=MYPROXYv2\nCOMMAND=7\nUSERNAME=\nPASSPHRASE=\nLIFETIME=0\nTRUSTED_CERTS=1\n\0',
    );
    assert.equal(
      utf8Decode(serializeRequest({ command: 2, username: 'alice', passphrase: 'DUMMY-PASSPHRASE', lifetimeSeconds: 0, credentialName: 'cred1' })),
      'VERSION=MYPROXYv2\nCOMMAND=2\nUSERNAME=alice\nPASSPHRASE=DUMMY-PASSPHRASE\nLIFETIME=0\nCRED_NAME=cred1\n\0',
    );
  });

  it('matches the captured GET -m request with repeated extra fields (§2.1)', () => {
    const bytes = serializeRequest({
      command: 0,
      username: 'alice',
      passphrase: 'secretpw',
      lifetimeSeconds: 43200,
      extra: [['VONAME', 'myvo'], ['VONAME', 'myvo:/myvo/Role=x']],
    });
    assert.equal(
      utf8Decode(bytes),
      'VERSION=MYPROXYv2\nCOMMAND=0\nUSERNAME=alice\nPASSPHRASE=secretpw\nLIFETIME=43200\nVONAME=myvo\nVONAME=myvo:/myvo/Role=x\n\0',
    );
  });

  it('encodes non-ASCII values as UTF-8', () => {
    const bytes = serializeRequest({ command: 0, username: 'jürgen', passphrase: 'pässwörd', lifetimeSeconds: 60 });
    assert.ok(utf8Decode(bytes).includes('USERNAME=jürgen\n'));
  });

  it('rejects line breaks and NUL in any value', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\0b', '\n']) {
      rejectsWith(() => serializeRequest({ command: 0, username: bad, passphrase: 'secretpw', lifetimeSeconds: 60 }), 'BAD_INPUT');
      rejectsWith(() => serializeRequest({ command: 0, username: 'alice', passphrase: bad, lifetimeSeconds: 60 }), 'BAD_INPUT');
      rejectsWith(
        () => serializeRequest({ command: 0, username: 'alice', passphrase: 'secretpw', lifetimeSeconds: 60, credentialName: bad }),
        'BAD_INPUT',
      );
    }
  });

  it('rejects values that the server would parse as fields (strstr injection, §1.4)', () => {
    for (const bad of ['xUSERNAME=bob', 'pw\tLIFETIME=1', 'CRED_NAME=x', 'abcRETRIEVER_TRUSTED=*', 'NAME=', 'a_B_C_D=1']) {
      rejectsWith(() => serializeRequest({ command: 0, username: 'alice', passphrase: bad, lifetimeSeconds: 60 }), 'BAD_INPUT');
      rejectsWith(() => serializeRequest({ command: 0, username: bad, passphrase: 'secretpw', lifetimeSeconds: 60 }), 'BAD_INPUT');
    }
  });

  it('accepts DN user names and pass phrases with harmless "="', () => {
    const bytes = serializeRequest({ command: 0, username: '/DC=org/DC=example/O=Test/CN=Alice', passphrase: 'a=b X=1 UID=2', lifetimeSeconds: 60 });
    assert.ok(utf8Decode(bytes).includes('USERNAME=/DC=org/DC=example/O=Test/CN=Alice\nPASSPHRASE=a=b X=1 UID=2\n'));
  });

  it('requires a positive whole lifetime for GET', () => {
    for (const lifetime of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      rejectsWith(() => serializeRequest({ command: 0, username: 'alice', passphrase: 'secretpw', lifetimeSeconds: lifetime }), 'BAD_INPUT');
    }
  });

  it('rejects bad extra field names and an empty credential name', () => {
    rejectsWith(() => serializeRequest({ command: 0, username: 'a', passphrase: 'secretpw', lifetimeSeconds: 1, extra: [['bad key', 'x']] }), 'BAD_INPUT');
    rejectsWith(() => serializeRequest({ command: 0, username: 'a', passphrase: 'secretpw', lifetimeSeconds: 1, extra: [['A=B', 'x']] }), 'BAD_INPUT');
    rejectsWith(() => serializeRequest({ command: 0, username: 'a', passphrase: 'secretpw', lifetimeSeconds: 1, credentialName: '' }), 'BAD_INPUT');
  });
});

describe('parseResponse', () => {
  it('parses an OK', () => {
    const response = parseResponse('VERSION=MYPROXYv2\nRESPONSE=0\n');
    assert.equal(response.version, 'MYPROXYv2');
    assert.equal(response.response, 0);
    assert.deepEqual(response.errors, []);
  });

  it('keeps every ERROR line in order, unchanged', () => {
    const response = parseResponse('VERSION=MYPROXYv2\nRESPONSE=1\nERROR=no passphrase\nERROR=authentication failed\n');
    assert.equal(response.response, 1);
    assert.deepEqual(response.errors, ['no passphrase', 'authentication failed']);
  });

  it('keeps values containing "=" and repeated fields', () => {
    const response = parseResponse(
      'VERSION=MYPROXYv2\nRESPONSE=2\nAUTHORIZATION_DATA=X509_certificate:059f\nAUTHORIZATION_DATA=X509_certificate_SHA256:e4f4\nX=a=b',
    );
    assert.equal(response.response, 2);
    assert.deepEqual(response.fields.get('AUTHORIZATION_DATA'), ['X509_certificate:059f', 'X509_certificate_SHA256:e4f4']);
    assert.deepEqual(response.fields.get('X'), ['a=b']);
  });

  it('parses the captured INFO response (§2.2)', () => {
    const response = parseResponse(
      'VERSION=MYPROXYv2\nRESPONSE=0\nCRED_DESC=default desc\nCRED_START_TIME=1795321589\nCRED_END_TIME=1795494689\n' +
        'CRED_OWNER=/O=Test/CN=Alice\nCRED_RENEWER=*/CN=/O=Test/CN=Alice\nCRED_eec_DESC=the EEC\nADDL_CREDS=eec\n',
    );
    assert.deepEqual(response.fields.get('CRED_OWNER'), ['/O=Test/CN=Alice']);
    assert.deepEqual(response.fields.get('ADDL_CREDS'), ['eec']);
  });

  it('rejects a wrong, missing or repeated VERSION and bad RESPONSE codes', () => {
    for (const text of [
      'VERSION=MYPROXYv1\nRESPONSE=0\n',
      'VERSION=MYPROXYv2 \nRESPONSE=0\n',
      'RESPONSE=0\n',
      'VERSION=MYPROXYv2\nVERSION=MYPROXYv2\nRESPONSE=0\n',
      'VERSION=MYPROXYv2\n',
      'VERSION=MYPROXYv2\nRESPONSE=3\n',
      'VERSION=MYPROXYv2\nRESPONSE=\n',
      'VERSION=MYPROXYv2\nRESPONSE=0\nRESPONSE=1\n',
      'VERSION=MYPROXYv2\nRESPONSE=0\ngarbage\n',
      '',
    ]) {
      rejectsWith(() => parseResponse(text), 'MYPROXY_PROTOCOL_ERROR');
    }
  });
});
