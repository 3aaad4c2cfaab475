/**
 * Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)-(c)): dNSName, rfc822Name, iPAddress and
 * directoryName subtrees are enforced; a constrained name of any other type cannot be checked and
 * is rejected. Every failure is CERT_NAME_CONSTRAINTS.
 */
import { MyProxyWebError } from '../errors.js';
import { stripServicePrefix } from './identity.js';
import type { GeneralName, NameConstraintsValue } from './path-extensions.js';
import { attributeValue, formatDnOneline } from './x509.js';
import type * as pkijs from 'pkijs';

/** The names a certificate asserts, gathered for constraint checking. */
export interface CertificateNames {
  subject: pkijs.RelativeDistinguishedNames;
  /** subjectAltName entries (empty when there is none). */
  altNames: GeneralName[];
  /** MyProxy accepts the last CN as a host name when there is no dNSName SAN (identity.ts); it is constrained like one. */
  commonNameHost: string | undefined;
  emailAttributes: string[];
}

function lower(text: string): string {
  return text.toLowerCase().replace(/\.$/, '');
}

/** RFC 5280 §4.2.1.10: "example.com" covers it and every subdomain; ".example.com" only subdomains; "" everything. */
export function dnsWithin(name: string, constraint: string): boolean {
  const n = lower(name);
  const c = lower(constraint);
  if (c === '') return true;
  if (c.startsWith('.')) return n.endsWith(c);
  return n === c || n.endsWith(`.${c}`);
}

/** RFC 5280 §4.2.1.10 rfc822Name: a full mailbox, a host ("example.com") or a domain (".example.com"). */
export function emailWithin(address: string, constraint: string): boolean {
  const at = address.lastIndexOf('@');
  if (at < 0) return false;
  if (constraint.includes('@')) return address.slice(0, at) === constraint.slice(0, constraint.lastIndexOf('@')) && lower(address.slice(at + 1)) === lower(constraint.slice(constraint.lastIndexOf('@') + 1));
  const host = lower(address.slice(at + 1));
  const c = lower(constraint);
  return c.startsWith('.') ? host.endsWith(c) : host === c;
}

/** RFC 5280 §4.2.1.10 iPAddress: the constraint is address || mask (8 or 32 bytes). */
export function ipWithin(address: Uint8Array, constraint: Uint8Array): boolean {
  if (constraint.length !== 2 * address.length) return false;
  const half = address.length;
  for (let i = 0; i < half; i++) {
    const mask = constraint[half + i]!;
    if ((address[i]! & mask) !== (constraint[i]! & mask)) return false;
  }
  return true;
}

function normaliseValue(value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** directoryName: the constraint's attributes are a leading prefix of the name's (case-insensitive values, RFC 5280 §7.1). */
export function directoryWithin(name: pkijs.RelativeDistinguishedNames, constraint: pkijs.RelativeDistinguishedNames): boolean {
  const base = constraint.typesAndValues;
  const full = name.typesAndValues;
  if (base.length > full.length) return false;
  return base.every((tv, i) => tv.type === full[i]!.type && normaliseValue(attributeValue(tv.value)) === normaliseValue(attributeValue(full[i]!.value)));
}

type Checkable = { type: 'dns'; value: string } | { type: 'email'; value: string } | { type: 'ip'; value: Uint8Array } | { type: 'directory'; value: pkijs.RelativeDistinguishedNames } | { type: 'other'; tag: number };

function within(name: Checkable, constraint: GeneralName): boolean | undefined {
  if (name.type !== constraint.type) return undefined;
  switch (name.type) {
    case 'dns':
      return dnsWithin(name.value, (constraint as { value: string }).value);
    case 'email':
      return emailWithin(name.value, (constraint as { value: string }).value);
    case 'ip':
      return ipWithin(name.value, (constraint as { value: Uint8Array }).value);
    case 'directory':
      return directoryWithin(name.value, (constraint as { value: pkijs.RelativeDistinguishedNames }).value);
    case 'other':
      return name.tag === (constraint as { tag: number }).tag ? false : undefined;
  }
}

function describeName(name: Checkable): string {
  switch (name.type) {
    case 'dns':
      return `DNS:${name.value}`;
    case 'email':
      return `email:${name.value}`;
    case 'ip':
      return `IP:${[...name.value].join('.')}`;
    case 'directory':
      return `DirName:${formatDnOneline(name.value)}`;
    case 'other':
      return `GeneralName [${name.tag}]`;
  }
}

function looksLikeHost(text: string): boolean {
  return /^[A-Za-z0-9*]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\.?$/.test(text) || text.toLowerCase() === 'localhost';
}

/** The last CN, minus a GSI `service/` prefix, when there is no dNSName SAN and it looks like a host name. */
export function commonNameHost(subject: pkijs.RelativeDistinguishedNames, altNames: readonly GeneralName[], commonNameOid: string): string | undefined {
  if (altNames.some((name) => name.type === 'dns')) return undefined;
  const cns = subject.typesAndValues.filter((tv) => tv.type === commonNameOid).map((tv) => attributeValue(tv.value));
  const last = cns[cns.length - 1];
  if (last === undefined) return undefined;
  const host = stripServicePrefix(last);
  return looksLikeHost(host) ? host : undefined;
}

/** Throws CERT_NAME_CONSTRAINTS when a name of `names` falls outside `constraints` (set by `issuerLabel`). */
export function checkNameConstraints(names: CertificateNames, constraints: NameConstraintsValue, certLabel: string, issuerLabel: string): void {
  const all: Checkable[] = [];
  if (names.subject.typesAndValues.length > 0) all.push({ type: 'directory', value: names.subject });
  for (const alt of names.altNames) all.push(alt.type === 'directory' ? { type: 'directory', value: alt.value } : alt);
  if (names.commonNameHost !== undefined) all.push({ type: 'dns', value: names.commonNameHost });
  for (const email of names.emailAttributes) all.push({ type: 'email', value: email });

  for (const name of all) {
    const excludedHit = constraints.excluded.some((constraint) => within(name, constraint) === true || (name.type === 'other' && constraint.type === 'other' && constraint.tag === name.tag));
    if (excludedHit) {
      throw new MyProxyWebError('CERT_NAME_CONSTRAINTS', `certificate ${certLabel} has name ${describeName(name)}, excluded by the name constraints of ${issuerLabel}`);
    }
    const sameType = constraints.permitted.filter((constraint) => constraint.type === name.type && (name.type !== 'other' || (constraint as { tag: number }).tag === name.tag));
    if (sameType.length > 0 && !sameType.some((constraint) => within(name, constraint) === true)) {
      throw new MyProxyWebError('CERT_NAME_CONSTRAINTS', `certificate ${certLabel} has name ${describeName(name)}, outside the permitted names of ${issuerLabel}`);
    }
  }
}

