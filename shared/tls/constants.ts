/** Wire constants for TLS 1.3 (RFC 8446), shared by the record layer and the handshake. */

/** RFC 8446 §5.1 ContentType. */
export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
} as const;

/** RFC 8446 §4 HandshakeType, plus the TLS 1.2 messages of RFC 5246 §7.4. */
export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  keyUpdate: 24,
  messageHash: 254,
} as const;

/** RFC 8446 §4.2 ExtensionType (only those this client sends or recognises). */
export const ExtensionType = {
  serverName: 0,
  supportedGroups: 10,
  /** RFC 8422 §5.1.2 (TLS 1.2 only). */
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  /** RFC 7627 §5.1 (TLS 1.2 only). */
  extendedMasterSecret: 23,
  supportedVersions: 43,
  cookie: 44,
  certificateAuthorities: 47,
  signatureAlgorithmsCert: 50,
  keyShare: 51,
  /** RFC 5746 §3.2 (TLS 1.2 only). */
  renegotiationInfo: 0xff01,
} as const;

/** RFC 8446 §4.2.7 NamedGroup. */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  x25519: 0x001d,
} as const;
export type NamedGroupId = (typeof NamedGroup)[keyof typeof NamedGroup];

/** RFC 8446 §4.2.3 SignatureScheme. */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
} as const;

/** RFC 8446 §4.4.3: schemes accepted in CertificateVerify (PKCS#1 v1.5 is not allowed there). */
export const HANDSHAKE_SIGNATURE_SCHEMES: readonly number[] = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pss_rsae_sha512,
];

/** RFC 5246 §7.4.1.4.1 / RFC 8446 §4.2.3: schemes accepted in a TLS 1.2 ServerKeyExchange (PKCS#1 v1.5 allowed). */
export const TLS12_SIGNATURE_SCHEMES: readonly number[] = [
  ...HANDSHAKE_SIGNATURE_SCHEMES,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/** RFC 8446 §4.2.3 signature_algorithms_cert: what we accept in certificates. */
export const CERTIFICATE_SIGNATURE_SCHEMES: readonly number[] = [
  ...HANDSHAKE_SIGNATURE_SCHEMES,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/** Groups offered in supported_groups, in preference order (RFC 8446 §4.2.7). */
export const SUPPORTED_GROUPS: readonly NamedGroupId[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];
/** Groups for which the first ClientHello carries a key share (RFC 8446 §4.2.8). */
export const INITIAL_KEY_SHARE_GROUPS: readonly NamedGroupId[] = [NamedGroup.x25519, NamedGroup.secp256r1];

/** RFC 8446 §4.2.1 supported_versions value for TLS 1.3. */
export const TLS13_VERSION = 0x0304;
/** RFC 8446 §4.1.2 legacy_version, and §5.1 legacy_record_version after the ClientHello. */
export const TLS12_VERSION = 0x0303;
/** RFC 8446 §5.1: the initial ClientHello may use 0x0301 for compatibility. */
export const TLS10_VERSION = 0x0301;

/** RFC 5246 §6.2.3: maximum TLSCiphertext.fragment length in TLS 1.2, 2^14 + 2048. */
export const MAX_CIPHERTEXT_LENGTH_TLS12 = 2 ** 14 + 2048;

/** RFC 8446 §5.1: maximum TLSPlaintext.fragment length, 2^14. */
export const MAX_PLAINTEXT_LENGTH = 2 ** 14;
/** RFC 8446 §5.2: maximum TLSCiphertext.encrypted_record length, 2^14 + 256. */
export const MAX_CIPHERTEXT_LENGTH = 2 ** 14 + 256;
/** RFC 8446 §5.4 TLSInnerPlaintext may carry one content-type byte beyond 2^14. */
export const MAX_INNER_PLAINTEXT_LENGTH = 2 ** 14 + 1;
/** Our own bound on a reassembled handshake message (certificate chains included). */
export const MAX_HANDSHAKE_MESSAGE_LENGTH = 256 * 1024;
/** RFC 5.2: record header length. */
export const RECORD_HEADER_LENGTH = 5;

/** RFC 8446 §4.1.3: ServerHello.random of a HelloRetryRequest, SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_REQUEST_RANDOM = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** RFC 8446 §4.1.3 downgrade sentinels: the last 8 bytes of ServerHello.random, "DOWNGRD" + 01 / 00. */
export const DOWNGRADE_TLS12 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01]);
export const DOWNGRADE_TLS11 = new Uint8Array([0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00]);
