/**
 * Start-up overlap for `logon`: the default RSA 2048 key pair is generated (WebCrypto runs it on
 * libuv's thread pool) while the command's code loads, the pass phrase is read and the TLS
 * handshake runs (logon() awaits the key only when it sends the CSR), instead of after. Used only
 * when the logon would generate exactly that key (no -Q, -N, --key-type or MYPROXY_KEYBITS).
 *
 * bin/myproxy-web.js starts the same generation even earlier, before the bundled command line is
 * read, and leaves it in a global slot: it is taken over here when this list of options agrees,
 * and left unused otherwise.
 */
const SLOT = Symbol.for('myproxy-web.default-key-pair');
const slots = globalThis as unknown as Record<symbol, Promise<CryptoKeyPair> | undefined>;

let pending: Promise<CryptoKeyPair> | undefined;

export function startDefaultKeyGeneration(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const early = slots[SLOT];
  slots[SLOT] = undefined;
  if (env.MYPROXY_KEYBITS || argv.some((arg) => /^(-[QN]|--certreq|--no_credentials|--key-type|-a|--authorization|-h|--help|-u|--usage|-V|--version)/.test(arg))) return;
  pending = early ?? (globalThis.crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  ) as Promise<CryptoKeyPair>);
  pending.catch(() => undefined);
}

/** The key pair started above, once; undefined if none was started. */
export function takeDefaultKeyPair(): Promise<CryptoKeyPair> | undefined {
  const taken = pending;
  pending = undefined;
  return taken;
}
