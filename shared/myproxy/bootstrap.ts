/**
 * Trust bootstrap (myproxy-logon -b, myproxy-get-trustroots -b; protocol notes §3.4): connect
 * once WITHOUT validating the server's chain, and take the CA certificates the server presents
 * after its own certificate. The caller should show each CA's SHA-256 fingerprint so a person
 * can compare it with one obtained out of band, then install the files and reconnect normally.
 */
import { toHex, utf8Encode } from '../bytes/bytes.js';
import { MyProxyWebError } from '../errors.js';
import { describeCertificate } from '../pki/credential.js';
import { pemEncode } from '../pki/pem.js';
import { opensslSubjectHash } from '../pki/subject-hash.js';
import { type MyProxyConnectOptions, withMyProxyConnection } from './session.js';

export interface BootstrapCa {
  der: Uint8Array;
  /** OpenSSL oneline form, e.g. `/O=Grid/CN=Grid CA`. */
  subject: string;
  issuer: string;
  notAfter: Date;
  /** SHA-256 of the DER, upper-case hex pairs joined by ':' (as `openssl x509 -fingerprint -sha256`). */
  sha256Fingerprint: string;
  /** `openssl x509 -subject_hash`: the CA's file is `<subjectHash>.0`. */
  subjectHash: string;
  /** The Globus signing policy myproxy-logon -b writes beside it: this CA may sign the subject of the certificate below it in the chain. */
  signingPolicy: string;
}

export interface BootstrapResult {
  /** The server's own certificate (oneline subject and DER). */
  serverSubject: string;
  serverCertificate: Uint8Array;
  /** Every certificate the server presented after its own, in order. */
  cas: BootstrapCa[];
}

/** `AB:CD:...`, the form openssl prints. */
export async function sha256Fingerprint(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(der)));
  return toHex(digest).toUpperCase().match(/../g)!.join(':');
}

/** GSI's "no delegation" flag, written as the C client does before closing (§3.4 step 1). */
const GSI_NO_DELEGATION = utf8Encode('0');

export type BootstrapOptions = Omit<MyProxyConnectOptions, 'trustRoots' | 'checkIdentity'>;

/**
 * Connects with serverChainPolicy 'bootstrap' (no chain validation, no name check; the server
 * must still prove it holds its key), writes `'0'`, and closes. Throws CERT_UNTRUSTED if the
 * server presents no CA certificate.
 */
export async function bootstrapTrust(options: BootstrapOptions): Promise<BootstrapResult> {
  const chain = await withMyProxyConnection(
    { ...options, trustRoots: [], tls: { ...options.tls, serverChainPolicy: 'bootstrap' } },
    'trust bootstrap',
    async (tls) => {
      await tls.write(GSI_NO_DELEGATION);
      return [...tls.peerCertificates];
    },
  );
  const [leaf, ...rest] = chain;
  if (!leaf) throw new MyProxyWebError('TLS_PROTOCOL_ERROR', 'the server presented no certificate');
  const described = chain.map((der) => describeCertificate(der));
  if (rest.length === 0) {
    throw new MyProxyWebError(
      'CERT_UNTRUSTED',
      `the server "${described[0]!.subject}" presented no CA certificate in its chain, so there is nothing to bootstrap trust from; install its CA in the trusted certificates directory`,
    );
  }
  const cas: BootstrapCa[] = [];
  for (let i = 1; i < chain.length; i++) {
    const der = chain[i]!;
    const description = described[i]!;
    const below = described[i - 1]!.subject;
    cas.push({
      der,
      subject: description.subject,
      issuer: description.issuer,
      notAfter: description.notAfter,
      sha256Fingerprint: await sha256Fingerprint(der),
      subjectHash: await opensslSubjectHash(der),
      signingPolicy: `access_id_CA X509 '${description.subject}'\npos_rights globus CA:sign\ncond_subjects globus '"${below}"'\n`,
    });
  }
  return { serverSubject: described[0]!.subject, serverCertificate: leaf, cas };
}

/**
 * The files myproxy_bootstrap_trust writes: `<hash>.0` (PEM) and `<hash>.signing_policy` for each
 * CA, in chain order (a later CA with the same hash replaces an earlier one, as there).
 */
export function bootstrapTrustFiles(result: BootstrapResult): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const ca of result.cas) {
    files.set(`${ca.subjectHash}.0`, utf8Encode(pemEncode('CERTIFICATE', ca.der)));
    files.set(`${ca.subjectHash}.signing_policy`, utf8Encode(ca.signingPolicy));
  }
  return files;
}
