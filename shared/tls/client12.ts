/**
 * The TLS 1.2 client handshake (RFC 5246 §7.3) after a ServerHello that chose TLS 1.2, sans I/O,
 * for ECDHE_RSA / ECDHE_ECDSA with AES-GCM (RFC 8422, RFC 5289). Reads top to bottom:
 * ServerHello -> Certificate -> ServerKeyExchange -> [CertificateRequest] -> ServerHelloDone
 * -> our flight ([Certificate], ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished)
 * -> server ChangeCipherSpec -> server Finished.
 * No resumption, no session tickets, no renegotiation (the connection refuses HelloRequest).
 * The extended master secret (RFC 7627) is required: like rustls, we refuse a server that does not
 * negotiate it, because without it the master secret is not bound to the handshake (triple
 * handshake attack). GCT servers on OpenSSL >= 1.1.0 all negotiate it.
 */
import { bytesEqual, concatBytes } from '../bytes/bytes.js';
import { validateServerChain } from '../pki/chain.js';
import { tlsError } from './alerts.js';
import { chooseClientScheme, type ClientCredential } from './client-auth.js';
import type { HandshakeConfig, HandshakeOutput } from './client13.js';
import { schemeKeyType, verifyTls12ServerSignature } from './certificate-verify.js';
import { tls12CipherSuiteById, type Tls12CipherSuiteInfo } from './cipher-suites.js';
import { decodeAll } from './codec.js';
import { ContentType, ExtensionType, HandshakeType } from './constants.js';
import { rejectUnexpectedExtensions } from './extensions.js';
import type { HandshakeMessage } from './handshake-framing.js';
import { KeyShare, isSupportedGroup } from './key-share.js';
import type { ServerHello } from './messages-hello.js';
import { decodeFinished, encodeFinished } from './messages-server.js';
import {
  ClientCertificateType,
  TLS12_VERIFY_DATA_LENGTH,
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeServerHelloDone,
  decodeServerKeyExchange,
  encodeCertificate12,
  encodeCertificateVerify,
  encodeClientKeyExchange,
  type CertificateRequest12,
} from './messages12.js';
import { tls12Prf } from './prf12.js';
import { RecordProtection12, deriveTls12Keys, type Tls12DirectionKeys } from './record-protection12.js';
import type { Transcript } from './transcript.js';

/** RFC 5246 §8.1: the master secret is 48 bytes. */
const MASTER_SECRET_LENGTH = 48;
const CCS_BODY = new Uint8Array([1]);

interface ServerEcdh {
  group: number;
  publicKey: Uint8Array;
}

interface Session {
  masterSecret: Uint8Array;
  serverKeys: Tls12DirectionKeys;
}

/** One member per "waiting for X". */
type State =
  | { kind: 'waitServerHello' }
  | { kind: 'waitCertificate' }
  | { kind: 'waitServerKeyExchange'; chain: Uint8Array[] }
  | { kind: 'waitCertificateRequestOrDone'; chain: Uint8Array[]; ecdh: ServerEcdh }
  | { kind: 'waitServerHelloDone'; chain: Uint8Array[]; ecdh: ServerEcdh; request: CertificateRequest12 }
  | { kind: 'waitChangeCipherSpec'; chain: Uint8Array[]; session: Session }
  | { kind: 'waitFinished'; chain: Uint8Array[]; session: Session }
  | { kind: 'connected' };

export class Tls12ClientHandshake {
  private state: State = { kind: 'waitServerHello' };
  private suite!: Tls12CipherSuiteInfo;
  private serverRandom!: Uint8Array;

  /** `transcript` holds our ClientHello; `clientRandom` is its random. */
  constructor(
    private readonly config: HandshakeConfig,
    private readonly transcript: Transcript,
    private readonly clientRandom: Uint8Array,
  ) {}

  get stateName(): string {
    return this.state.kind;
  }

  /** Step 1: the ServerHello's TLS 1.2 parts (RFC 5246 §7.4.1.3, RFC 7627 §5.2, RFC 5746 §3.4). */
  onServerHello(message: HandshakeMessage, hello: ServerHello): HandshakeOutput[] {
    if (this.state.kind !== 'waitServerHello') throw this.unexpected(message.type);
    this.suite = tls12CipherSuiteById(hello.cipherSuite);
    this.serverRandom = hello.random.slice();
    const allowed: number[] = [ExtensionType.renegotiationInfo, ExtensionType.extendedMasterSecret, ExtensionType.ecPointFormats];
    if (this.config.sni !== undefined) allowed.push(ExtensionType.serverName);
    rejectUnexpectedExtensions(hello.extensions, allowed, 'ServerHello');
    const ems = hello.extensions.get(ExtensionType.extendedMasterSecret);
    if (!ems) throw tlsError('TLS_HANDSHAKE_FAILURE', 'handshake_failure', 'the TLS 1.2 server does not support the extended master secret (RFC 7627), which this client requires');
    if (ems.length !== 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'extended_master_secret in ServerHello must be empty');
    const renegotiation = hello.extensions.get(ExtensionType.renegotiationInfo);
    if (renegotiation && !bytesEqual(renegotiation, new Uint8Array([0]))) {
      throw tlsError('TLS_HANDSHAKE_FAILURE', 'handshake_failure', 'renegotiation_info in the initial ServerHello must be empty (RFC 5746 §3.4)');
    }
    const formats = hello.extensions.get(ExtensionType.ecPointFormats);
    if (formats) {
      const list = decodeAll('ec_point_formats', formats, (r) => r.vector(1, 'ec_point_format_list'));
      if (!list.includes(0)) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', 'server does not accept uncompressed EC points (RFC 8422 §5.1.2)');
    }
    const serverName = hello.extensions.get(ExtensionType.serverName);
    if (serverName && serverName.length !== 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'server_name in ServerHello must be empty');
    this.transcript.add(message.raw);
    this.state = { kind: 'waitCertificate' };
    return [];
  }

  async handle(message: HandshakeMessage): Promise<HandshakeOutput[]> {
    // RFC 5246 §7.4.1.1: a HelloRequest during a handshake is ignored, and is not part of the transcript.
    if (message.type === HandshakeType.helloRequest && message.body.length === 0 && this.state.kind !== 'connected') return [];
    const state = this.state;
    switch (state.kind) {
      case 'waitCertificate':
        this.expect(message, HandshakeType.certificate);
        return this.onCertificate(message);
      case 'waitServerKeyExchange':
        this.expect(message, HandshakeType.serverKeyExchange);
        return this.onServerKeyExchange(message, state.chain);
      case 'waitCertificateRequestOrDone':
        if (message.type === HandshakeType.certificateRequest) {
          const request = decodeCertificateRequest12(message.body);
          this.transcript.add(message.raw);
          this.state = { kind: 'waitServerHelloDone', chain: state.chain, ecdh: state.ecdh, request };
          return [];
        }
        this.expect(message, HandshakeType.serverHelloDone);
        return this.onServerHelloDone(message, state.chain, state.ecdh, undefined);
      case 'waitServerHelloDone':
        this.expect(message, HandshakeType.serverHelloDone);
        return this.onServerHelloDone(message, state.chain, state.ecdh, state.request);
      case 'waitFinished':
        this.expect(message, HandshakeType.finished);
        return this.onFinished(message, state.chain, state.session);
      default:
        // Includes a Finished before ChangeCipherSpec (RFC 5246 §7.1) and anything after the handshake.
        throw this.unexpected(message.type);
    }
  }

  /** Step 6: the server's ChangeCipherSpec switches its direction to the new keys (RFC 5246 §7.1). */
  async changeCipherSpec(): Promise<HandshakeOutput[]> {
    const state = this.state;
    if (state.kind !== 'waitChangeCipherSpec') throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `unexpected change_cipher_spec (state ${state.kind})`);
    this.state = { kind: 'waitFinished', chain: state.chain, session: state.session };
    return [{ kind: 'readKeys', protection: await RecordProtection12.create(this.suite, state.session.serverKeys) }];
  }

  private expect(message: HandshakeMessage, type: number): void {
    if (message.type !== type) throw this.unexpected(message.type, type);
  }

  private unexpected(got: number, expected?: number): Error {
    const wanted = expected === undefined ? '' : `expected handshake message ${expected}, `;
    return tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `${wanted}got ${got} (TLS 1.2 state ${this.state.kind})`);
  }

  /** Step 2: the server chain, validated and name-checked (RFC 5246 §7.4.2). */
  private async onCertificate(message: HandshakeMessage): Promise<HandshakeOutput[]> {
    const chain = decodeCertificate12(message.body);
    if (chain.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'server sent an empty Certificate');
    await validateServerChain(chain, this.config.trustRoots, this.config.now());
    this.config.checkIdentity(chain[0]!, this.config.serverName);
    this.transcript.add(message.raw);
    this.state = { kind: 'waitServerKeyExchange', chain };
    return [];
  }

  /** Step 3: ECDHE parameters signed by the server key (RFC 8422 §5.4); the suite fixes the key type. */
  private async onServerKeyExchange(message: HandshakeMessage, chain: Uint8Array[]): Promise<HandshakeOutput[]> {
    const params = decodeServerKeyExchange(message.body);
    if (!isSupportedGroup(params.group)) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `ServerKeyExchange uses group 0x${params.group.toString(16)}, which was not offered`);
    if (schemeKeyType(params.scheme) !== this.suite.auth) {
      throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `ServerKeyExchange signature scheme 0x${params.scheme.toString(16)} does not fit ${this.suite.name}`);
    }
    const signed = concatBytes(this.clientRandom, this.serverRandom, params.raw);
    await verifyTls12ServerSignature(chain[0]!, params.scheme, params.signature, signed);
    this.transcript.add(message.raw);
    this.state = { kind: 'waitCertificateRequestOrDone', chain, ecdh: { group: params.group, publicKey: params.publicKey } };
    return [];
  }

  /** Step 4-5: ServerHelloDone, then our whole flight (RFC 5246 §7.4.6-§7.4.9, RFC 7627 §4). */
  private async onServerHelloDone(message: HandshakeMessage, chain: Uint8Array[], ecdh: ServerEcdh, request: CertificateRequest12 | undefined): Promise<HandshakeOutput[]> {
    decodeServerHelloDone(message.body);
    this.transcript.add(message.raw);
    const outputs: HandshakeOutput[] = [];
    const send = (data: Uint8Array): void => {
      this.transcript.add(data);
      outputs.push({ kind: 'send', contentType: ContentType.handshake, data });
    };
    // 1. Certificate: our chain if the key fits the request, else an empty list (RFC 5246 §7.4.6).
    const signer = request ? this.clientSigner(request) : undefined;
    if (request) send(encodeCertificate12(signer ? signer.credential.chain : []));
    // 2. ClientKeyExchange with a fresh ECDHE share on the server's group (RFC 8422 §5.7).
    if (!isSupportedGroup(ecdh.group)) throw tlsError('INTERNAL', 'internal_error', 'unsupported group');
    const share = await KeyShare.generate(ecdh.group);
    const preMaster = await share.sharedSecret(ecdh.publicKey);
    send(encodeClientKeyExchange(share.publicKey));
    // 3. RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", Hash(ClientHello..ClientKeyExchange)).
    const sessionHash = await this.transcript.hash(this.suite.hash);
    const masterSecret = await tls12Prf(this.suite.hash, preMaster, 'extended master secret', sessionHash, MASTER_SECRET_LENGTH);
    preMaster.fill(0);
    // 4. CertificateVerify over every handshake message so far (RFC 5246 §7.4.8).
    if (signer) send(encodeCertificateVerify(signer.scheme, await signer.credential.sign(signer.scheme, this.transcript.bytes())));
    // 5. ChangeCipherSpec, then Finished under the new keys (RFC 5246 §7.1, §7.4.9).
    const keys = await deriveTls12Keys(this.suite, masterSecret, this.clientRandom, this.serverRandom);
    outputs.push({ kind: 'send', contentType: ContentType.changeCipherSpec, data: CCS_BODY });
    outputs.push({ kind: 'writeKeys', protection: await RecordProtection12.create(this.suite, keys.client) });
    send(encodeFinished(await this.verifyData(masterSecret, 'client finished')));
    this.state = { kind: 'waitChangeCipherSpec', chain, session: { masterSecret, serverKeys: keys.server } };
    return outputs;
  }

  private clientSigner(request: CertificateRequest12): { credential: ClientCredential; scheme: number } | undefined {
    const credential = this.config.clientCredential;
    if (!credential) return undefined;
    const type = credential.keyType === 'RSA' ? ClientCertificateType.rsa_sign : ClientCertificateType.ecdsa_sign;
    if (!request.certificateTypes.includes(type)) return undefined;
    const scheme = chooseClientScheme(credential, request.signatureSchemes, 'TLSv1.2');
    return scheme === undefined ? undefined : { credential, scheme };
  }

  /** RFC 5246 §7.4.9: verify_data = PRF(master_secret, label, Hash(handshake_messages))[0..11]. */
  private async verifyData(masterSecret: Uint8Array, label: 'client finished' | 'server finished'): Promise<Uint8Array> {
    return tls12Prf(this.suite.hash, masterSecret, label, await this.transcript.hash(this.suite.hash), TLS12_VERIFY_DATA_LENGTH);
  }

  /** Step 7: the server Finished proves it saw the same handshake (RFC 5246 §7.4.9). */
  private async onFinished(message: HandshakeMessage, chain: Uint8Array[], session: Session): Promise<HandshakeOutput[]> {
    const received = decodeFinished(message.body, TLS12_VERIFY_DATA_LENGTH);
    const expected = await this.verifyData(session.masterSecret, 'server finished');
    if (!bytesEqual(received, expected)) throw tlsError('TLS_HANDSHAKE_FAILURE', 'decrypt_error', 'server Finished does not verify');
    this.transcript.add(message.raw);
    session.masterSecret.fill(0);
    this.state = { kind: 'connected' };
    return [{ kind: 'connected', result: { protocol: 'TLSv1.2', cipherSuite: this.suite, peerCertificates: chain } }];
  }
}
