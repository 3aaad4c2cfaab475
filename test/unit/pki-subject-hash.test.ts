/**
 * opensslSubjectHash against `openssl x509 -noout -subject_hash` for names that exercise the
 * canonical encoding: case, inner/outer white space, UTF-8, PrintableString / IA5String values,
 * multi-valued RDNs, and long names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { utf8Encode } from '../../shared/bytes/bytes.js';
import { pemCertificates } from '../../shared/pki/pem.js';
import { canonicalValueBytes, certificateSubjectDer, opensslNameHash, opensslSubjectHash } from '../../shared/pki/subject-hash.js';
import { runProcess } from '../fixtures/process.js';

interface Case {
  name: string;
  subject: string;
  /** 'utf8only' (openssl's default: UTF8String) or 'default' (PrintableString where possible). */
  mask?: 'utf8only' | 'default';
  multivalue?: boolean;
}

const CASES: Case[] = [
  { name: 'plain grid CA name', subject: '/O=myproxy-web test/CN=myproxy-web Test CA' },
  { name: 'upper case is folded', subject: '/DC=ORG/DC=Example/O=GRID/CN=UPPER Case CA' },
  { name: 'white space is trimmed and collapsed', subject: '/O=  Grid   Test  /OU=a  b   c/CN=   Spaced    CA   ' },
  { name: 'UTF-8 with non-ASCII letters (not folded)', subject: '/C=DE/O=Universität Köln/CN=Müller ÜNÏCODE CA' },
  { name: 'emailAddress (IA5String) and country (PrintableString)', subject: '/C=US/O=Example/CN=Mail CA/emailAddress=Grid.Admin@Example.ORG' },
  { name: 'PrintableString values', subject: '/C=US/O=Upper CASE Org/OU=Some  Unit/CN=Printable  CA', mask: 'default' },
  { name: 'multi-valued RDN', subject: '/O=Example/CN=Alice+UID=ALICE01', multivalue: true },
  // Over 256 bytes: long-form DER lengths in the canonical encoding.
  { name: 'long name', subject: `/O=${'Long Organisation Name '.repeat(2).trim()}${['A', 'B', 'C', 'D', 'E'].map((u) => `/OU=Unit ${u} ${'x'.repeat(50)}`).join('')}/CN=${'Long Common Name '.repeat(3).trim()}` },
];

describe('opensslSubjectHash', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'subject-hash-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function makeCertificate(testCase: Case, index: number): Promise<{ der: Uint8Array; expected: string }> {
    const config = path.join(dir, `req${index}.cnf`);
    writeFileSync(config, `[ req ]\ndistinguished_name = dn\nstring_mask = ${testCase.mask ?? 'utf8only'}\nprompt = no\n[ dn ]\nCN = unused\n`);
    const certPath = path.join(dir, `cert${index}.pem`);
    const args = ['req', '-x509', '-config', config, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, `key${index}.pem`), '-out', certPath, '-days', '1', '-utf8', '-subj', testCase.subject];
    if (testCase.multivalue) args.push('-multivalue-rdn');
    const made = await runProcess('openssl', args);
    assert.equal(made.code, 0, made.stderr);
    const hash = await runProcess('openssl', ['x509', '-in', certPath, '-noout', '-subject_hash']);
    assert.equal(hash.code, 0, hash.stderr);
    return { der: pemCertificates(readFileSync(certPath, 'utf8'))[0]!, expected: hash.stdout.trim() };
  }

  CASES.forEach((testCase, index) => {
    it(`matches openssl -subject_hash: ${testCase.name}`, async () => {
      const { der, expected } = await makeCertificate(testCase, index);
      assert.match(expected, /^[0-9a-f]{8}$/);
      assert.equal(await opensslSubjectHash(der), expected);
      assert.equal(await opensslNameHash(certificateSubjectDer(der)), expected);
    });
  });

  it('names that differ only in case and spacing share a hash, as in OpenSSL', async () => {
    const a = await makeCertificate({ name: 'a', subject: '/O=Grid/CN=Some CA' }, 100);
    const b = await makeCertificate({ name: 'b', subject: '/O=  GRID /CN=some    ca' }, 101);
    assert.equal(a.expected, b.expected);
    assert.equal(await opensslSubjectHash(a.der), await opensslSubjectHash(b.der));
  });
});

describe('canonicalValueBytes (asn1_string_canon)', () => {
  const canon = (text: string): string => new TextDecoder().decode(canonicalValueBytes(utf8Encode(text)));
  it('trims, collapses every kind of white space run to one space, and folds ASCII only', () => {
    assert.equal(canon('  Hello \t\n World  '), 'hello world');
    assert.equal(canon('\r\vA\fB\r'), 'a b');
    assert.equal(canon('ÄÖÜ Straße'), 'ÄÖÜ straße');
    assert.equal(canon(''), '');
    assert.equal(canon('   '), '');
  });
});
