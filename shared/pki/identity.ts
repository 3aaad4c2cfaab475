/**
 * MyProxy server identity rules (docs/myproxy-protocol.md §3.1 item 2 and §3.5), as the C client
 * applies them with NAME_COMPATIBILITY=STRICT_RFC2818:
 * 1. a SAN dNSName matches the host as typed (RFC 6125 §6.4.3: wildcard only as the whole left-most label);
 * 2. else, for an IP host, a SAN iPAddress equal to it;
 * 3. only if there is no dNSName SAN at all, the last subject CN, minus any `service/` prefix, equals the host.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { bytesEqual } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { findExtension, formatDnOneline, nameValues, parseCertificate } from './x509.js';

const SUBJECT_ALT_NAME = '2.5.29.17';
const COMMON_NAME = '2.5.4.3';

/** IPv4 dotted quad to 4 bytes, or undefined. */
function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return new Uint8Array(parts.map(Number));
}

/** IPv6 text (RFC 4291 §2.2, optional brackets, embedded IPv4 tail) to 16 bytes, or undefined. */
function parseIpv6(text: string): Uint8Array | undefined {
  const clean = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!clean.includes(':') || !/^[0-9a-fA-F:.]+$/.test(clean)) return undefined;
  const halves = clean.split('::');
  if (halves.length > 2) return undefined;
  const toWords = (part: string): number[] | undefined => {
    if (part === '') return [];
    const words: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) return undefined;
        words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) words.push(parseInt(piece, 16));
      else return undefined;
    }
    return words;
  };
  const head = toWords(halves[0]!);
  const tail = halves.length === 2 ? toWords(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((word, i) => {
    out[2 * i] = word >> 8;
    out[2 * i + 1] = word & 0xff;
  });
  return out;
}

/** The address bytes when `host` is an IPv4 or IPv6 literal. */
export function parseIpAddress(host: string): Uint8Array | undefined {
  return parseIpv4(host) ?? parseIpv6(host);
}

function normaliseHost(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** RFC 6125 §6.4: case-insensitive; `*` only as the entire left-most label, matching exactly one label. */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = normaliseHost(pattern);
  const h = normaliseHost(host);
  if (p === '' || h === '') return false;
  if (!p.includes('*')) return p === h;
  const labels = p.split('.');
  if (labels[0] !== '*' || labels.slice(1).some((label) => label.includes('*') || label === '') || labels.length < 3) return false;
  const hostLabels = h.split('.');
  if (hostLabels.length !== labels.length || hostLabels[0] === '') return false;
  return hostLabels.slice(1).join('.') === labels.slice(1).join('.');
}

interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: Uint8Array[];
}

function subjectAltNames(certificate: pkijs.Certificate): SubjectAltNames {
  const out: SubjectAltNames = { dnsNames: [], ipAddresses: [] };
  const extension = findExtension(certificate, SUBJECT_ALT_NAME);
  if (!extension) return out;
  const parsed = extension.parsedValue as pkijs.AltName | undefined;
  const names = parsed?.altNames ?? [];
  for (const name of names) {
    if (name.type === 2 && typeof name.value === 'string') out.dnsNames.push(name.value);
    if (name.type === 7 && name.value instanceof asn1js.OctetString) out.ipAddresses.push(new Uint8Array(name.value.valueBlock.valueHexView));
  }
  return out;
}

/** Strips a GSI `service/` prefix: `host/x`, `myproxy/x` and `x` all give `x`. */
export function stripServicePrefix(commonName: string): string {
  const slash = commonName.lastIndexOf('/');
  return slash >= 0 ? commonName.slice(slash + 1) : commonName;
}

function mismatch(certificate: pkijs.Certificate, serverName: string): MyProxyWebError {
  const subject = formatDnOneline(certificate.subject);
  return new MyProxyWebError(
    'CERT_NAME_MISMATCH',
    `server certificate "${subject}" does not match the expected name "${serverName}"; if this is the right server, set MYPROXY_SERVER_DN="${subject}"`,
  );
}

/** The default MyProxy identity check; throws CERT_NAME_MISMATCH. */
export function checkMyProxyServerIdentity(leafDer: Uint8Array, serverName: string): void {
  const certificate = parseCertificate(leafDer);
  const san = subjectAltNames(certificate);
  const ip = parseIpAddress(serverName);
  if (ip === undefined && san.dnsNames.some((pattern) => dnsNameMatches(pattern, serverName))) return;
  if (ip !== undefined && san.ipAddresses.some((address) => bytesEqual(address, ip))) return;
  if (san.dnsNames.length === 0) {
    const commonNames = nameValues(certificate.subject, COMMON_NAME);
    const last = commonNames[commonNames.length - 1];
    if (last !== undefined && normaliseHost(stripServicePrefix(last)) === normaliseHost(serverName)) return;
  }
  throw mismatch(certificate, serverName);
}

/** A checker for MYPROXY_SERVER_DN: the leaf subject, in OpenSSL oneline form, must equal `expectedOnelineDn`. */
export function checkExactServerDn(expectedOnelineDn: string): (leafDer: Uint8Array, serverName: string) => void {
  return (leafDer) => {
    const certificate = parseCertificate(leafDer);
    const subject = formatDnOneline(certificate.subject);
    if (subject !== expectedOnelineDn) {
      throw new MyProxyWebError('CERT_NAME_MISMATCH', `server certificate "${subject}" does not match MYPROXY_SERVER_DN "${expectedOnelineDn}"`);
    }
  };
}
