/**
 * The TLS 1.3 client handshake (RFC 8446 §2, §4) as an explicit state machine, sans I/O:
 * `start()` and `handle(message)` return outputs (records to send, key changes, completion)
 * that the connection applies in order. Reads top to bottom like the protocol:
 * ClientHello -> [HelloRetryRequest -> ClientHello2] -> ServerHello -> EncryptedExtensions
 * -> [CertificateRequest] -> Certificate -> CertificateVerify -> Finished -> client flight.
 * The ClientHello also offers TLS 1.2; a ServerHello choosing 1.2 hands the rest of the handshake
 * to Tls12ClientHandshake (client12.ts), like Go's handshake_client.go picks its 1.3 or 1.2 state.
 */
import { bytesEqual } from '../bytes/bytes.js';
import { validateServerChain } from '../pki/chain.js';
import { tlsError } from './alerts.js';
import { certificateVerifyContent, verifyServerSignature } from './certificate-verify.js';
import { chooseClientScheme, type ClientCredential } from './client-auth.js';
import { Tls12ClientHandshake } from './client12.js';
import { CIPHER_SUITES, TLS12_CIPHER_SUITES, cipherSuiteById, type CipherSuiteInfo, type Tls12CipherSuiteInfo } from './cipher-suites.js';
import {
  CERTIFICATE_SIGNATURE_SCHEMES,
  ContentType,
  ExtensionType,
  HANDSHAKE_SIGNATURE_SCHEMES,
  HandshakeType,
  INITIAL_KEY_SHARE_GROUPS,
  SUPPORTED_GROUPS,
  TLS12_SIGNATURE_SCHEMES,
  TLS12_VERSION,
  TLS13_VERSION,
} from './constants.js';
import { rejectUnexpectedExtensions } from './extensions.js';
import type { HandshakeMessage } from './handshake-framing.js';
import { KeyShare, isSupportedGroup } from './key-share.js';
import { EarlySecret, finishedKey, finishedMac, type HandshakeSecret, type MasterSecret, type TrafficSecrets } from './key-schedule.js';
import { decodeCookie, decodeSelectedGroup, decodeU16List, encodeClientHello, type ServerHello } from './messages-hello.js';
import { encodeCertificateVerify } from './messages12.js';
import { decodeCertificate, decodeCertificateRequest, decodeCertificateVerify, decodeEncryptedExtensions, decodeFinished, encodeCertificate, encodeFinished } from './messages-server.js';
import type { RecordProtector } from './record-layer.js';
import { RecordProtection } from './record-protection.js';
import { checkServerHello, serverKeyShare, type TlsVersionName } from './server-hello.js';
import { Transcript } from './transcript.js';

export interface HandshakeConfig {
  /** Name checked against the certificate. */
  serverName: string;
  /** Host name for SNI; undefined to send none (IP literals). */
  sni: string | undefined;
  trustRoots: readonly Uint8Array[];
  checkIdentity: (leafDer: Uint8Array, serverName: string) => void;
  now: () => Date;
  /** Randomness source, injectable for replay tests. */
  randomBytes?: (length: number) => Uint8Array;
  /** supported_versions to offer, most preferred first; default [TLS 1.3, TLS 1.2]. */
  versions?: readonly number[];
  /** Presented when the server sends a CertificateRequest; else an empty Certificate is sent. */
  clientCredential?: ClientCredential | undefined;
}

export interface HandshakeResult {
  protocol: TlsVersionName;
  cipherSuite: CipherSuiteInfo | Tls12CipherSuiteInfo;
  peerCertificates: Uint8Array[];
}

export type HandshakeOutput =
  | { kind: 'send'; contentType: number; data: Uint8Array; initial?: boolean }
  | { kind: 'readKeys'; protection: RecordProtector }
  | { kind: 'writeKeys'; protection: RecordProtector }
  | { kind: 'connected'; result: HandshakeResult };

/** One member per "waiting for X" (RFC 8446 Appendix A.1). */
type State =
  | { kind: 'start' }
  | { kind: 'waitServerHello'; retried: CipherSuiteInfo | undefined }
  | { kind: 'waitEncryptedExtensions'; keys: NegotiatedKeys }
  | { kind: 'waitCertificateOrRequest'; keys: NegotiatedKeys }
  | { kind: 'waitCertificate'; keys: NegotiatedKeys; request: ClientCertificateRequest }
  | { kind: 'waitCertificateVerify'; keys: NegotiatedKeys; request: ClientCertificateRequest | undefined; chain: Uint8Array[] }
  | { kind: 'waitFinished'; keys: NegotiatedKeys; request: ClientCertificateRequest | undefined; chain: Uint8Array[] }
  | { kind: 'connected' }
  | { kind: 'tls12'; machine: Tls12ClientHandshake };

/** What a TLS 1.3 CertificateRequest asked for (RFC 8446 §4.3.2). */
interface ClientCertificateRequest {
  context: Uint8Array;
  signatureSchemes: number[];
}

interface NegotiatedKeys {
  suite: CipherSuiteInfo;
  handshakeSecret: HandshakeSecret;
  traffic: TrafficSecrets;
  /**
   * Pure derivations from the handshake secret (RFC 8446 §7.1, §4.4.4, §7.3), started as soon as it is
   * known so they run while the server's flight is read and checked; awaited where the protocol needs them.
   */
  ahead: {
    master: Promise<MasterSecret>;
    clientHandshakeKeys: Promise<RecordProtection>;
    serverFinishedKey: Promise<Uint8Array>;
    clientFinishedKey: Promise<Uint8Array>;
  };
}

/** A promise computed ahead of need: if the handshake fails first, its rejection is not reported as unhandled. */
function ahead<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const CCS_BODY = new Uint8Array([1]);

function defaultRandom(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

export class Tls13ClientHandshake {
  private state: State = { kind: 'start' };
  private readonly transcript = new Transcript();
  private readonly random: Uint8Array;
  /** RFC 8446 Appendix D.4 middlebox compatibility: a non-empty session id and one CCS. */
  private readonly sessionId: Uint8Array;
  private sentChangeCipherSpec = false;
  private shares: KeyShare[] = [];
  private initialShares: Promise<KeyShare[]> | undefined;
  private readonly versions: readonly number[];

  constructor(private readonly config: HandshakeConfig) {
    const random = config.randomBytes ?? defaultRandom;
    this.random = random(32);
    this.sessionId = random(32);
    this.versions = config.versions ?? [TLS13_VERSION, TLS12_VERSION];
  }

  get isConnected(): boolean {
    return this.state.kind === 'connected' || (this.state.kind === 'tls12' && this.state.machine.stateName === 'connected');
  }

  /** The version the ServerHello chose, once it arrived. */
  get negotiatedVersion(): TlsVersionName | undefined {
    if (this.state.kind === 'tls12') return 'TLSv1.2';
    return this.state.kind === 'start' || this.state.kind === 'waitServerHello' ? undefined : 'TLSv1.3';
  }

  /**
   * A change_cipher_spec record: in TLS 1.2 it switches the server's keys (RFC 5246 §7.1);
   * otherwise null, and the connection applies the TLS 1.3 compatibility rule (RFC 8446 §5).
   */
  async changeCipherSpec(): Promise<HandshakeOutput[] | null> {
    return this.state.kind === 'tls12' ? this.state.machine.changeCipherSpec() : null;
  }

  /**
   * Starts generating the first ClientHello's key shares (RFC 8446 §4.2.8): they depend on nothing
   * from the server, so this may run while the transport is still connecting. start() calls it too.
   */
  prepare(): void {
    if (this.initialShares) return;
    const tls13 = this.versions.includes(TLS13_VERSION);
    this.initialShares = ahead(tls13 ? Promise.all(INITIAL_KEY_SHARE_GROUPS.map((group) => KeyShare.generate(group))) : Promise.resolve([]));
  }

  /** Step 1: the first ClientHello with X25519 and P-256 shares (RFC 8446 §4.1.2). */
  async start(): Promise<HandshakeOutput[]> {
    if (this.state.kind !== 'start') throw tlsError('INTERNAL', 'internal_error', 'handshake already started');
    this.prepare();
    this.shares = await this.initialShares!;
    const hello = this.clientHello(undefined);
    this.state = { kind: 'waitServerHello', retried: undefined };
    return [{ kind: 'send', contentType: ContentType.handshake, data: hello, initial: true }];
  }

  private clientHello(cookie: Uint8Array | undefined): Uint8Array {
    const hello = encodeClientHello({
      random: this.random,
      sessionId: this.sessionId,
      cipherSuites: [
        ...(this.versions.includes(TLS13_VERSION) ? CIPHER_SUITES.map((suite) => suite.id) : []),
        ...(this.versions.includes(TLS12_VERSION) ? TLS12_CIPHER_SUITES.map((suite) => suite.id) : []),
      ],
      serverName: this.config.sni,
      supportedGroups: SUPPORTED_GROUPS,
      // RFC 8446 §4.2.3: PKCS#1 v1.5 may be offered for TLS 1.2; a 1.3 CertificateVerify still refuses it.
      signatureAlgorithms: this.versions.includes(TLS12_VERSION) ? TLS12_SIGNATURE_SCHEMES : HANDSHAKE_SIGNATURE_SCHEMES,
      versions: this.versions,
      signatureAlgorithmsCert: CERTIFICATE_SIGNATURE_SCHEMES,
      keyShares: this.shares.map((share) => ({ group: share.group, keyExchange: share.publicKey })),
      cookie,
    });
    this.transcript.add(hello);
    return hello;
  }

  async handle(message: HandshakeMessage): Promise<HandshakeOutput[]> {
    const state = this.state;
    switch (state.kind) {
      case 'waitServerHello':
        this.expect(message, HandshakeType.serverHello);
        return this.onServerHello(message, state.retried);
      case 'waitEncryptedExtensions':
        this.expect(message, HandshakeType.encryptedExtensions);
        return this.onEncryptedExtensions(message, state.keys);
      case 'waitCertificateOrRequest':
        if (message.type === HandshakeType.certificateRequest) return this.onCertificateRequest(message, state.keys);
        this.expect(message, HandshakeType.certificate);
        return this.onCertificate(message, state.keys, undefined);
      case 'waitCertificate':
        this.expect(message, HandshakeType.certificate);
        return this.onCertificate(message, state.keys, state.request);
      case 'waitCertificateVerify':
        this.expect(message, HandshakeType.certificateVerify);
        return this.onCertificateVerify(message, state);
      case 'waitFinished':
        this.expect(message, HandshakeType.finished);
        return this.onFinished(message, state);
      case 'tls12':
        return state.machine.handle(message);
      case 'start':
      case 'connected':
        throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `unexpected handshake message ${message.type}`);
    }
  }

  private expect(message: HandshakeMessage, type: number): void {
    if (message.type !== type) {
      throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `expected handshake message ${type} (state ${this.state.kind}), got ${message.type}`);
    }
  }

  /** Step 2: ServerHello or HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4). */
  private async onServerHello(message: HandshakeMessage, retried: CipherSuiteInfo | undefined): Promise<HandshakeOutput[]> {
    const { hello, version } = checkServerHello(message.body, this.sessionId, this.versions);
    if (version === 'TLSv1.2') {
      if (retried) throw tlsError('TLS_UNSUPPORTED', 'illegal_parameter', 'server chose TLS 1.2 after a TLS 1.3 HelloRetryRequest');
      this.shares = [];
      const machine = new Tls12ClientHandshake(this.config, this.transcript, this.random);
      this.state = { kind: 'tls12', machine };
      return machine.onServerHello(message, hello);
    }
    const suite = cipherSuiteById(hello.cipherSuite);
    if (hello.isHelloRetryRequest) return this.onHelloRetryRequest(message, hello, suite, retried);
    // RFC 8446 §4.1.4: the ServerHello must keep the cipher suite of the HelloRetryRequest.
    if (retried && retried.id !== suite.id) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', 'ServerHello changed the cipher suite chosen in HelloRetryRequest');
    const entry = serverKeyShare(hello);
    const share = this.shares.find((candidate) => candidate.group === entry.group);
    if (!share) throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `server key share uses group 0x${entry.group.toString(16)}, for which no share was sent`);
    this.transcript.add(message.raw);
    // The (EC)DHE secret, the early secret and Transcript-Hash(ClientHello..ServerHello) are independent.
    const helloHash = ahead(this.transcript.hash(suite.hash));
    const [shared, early] = await Promise.all([share.sharedSecret(entry.keyExchange), EarlySecret.create(suite)]);
    const handshakeSecret = await early.toHandshakeSecret(shared);
    const traffic = await handshakeSecret.trafficSecrets(await helloHash);
    this.shares = [];
    const keys: NegotiatedKeys = {
      suite,
      handshakeSecret,
      traffic,
      ahead: {
        master: ahead(handshakeSecret.toMasterSecret()),
        clientHandshakeKeys: ahead(RecordProtection.create(suite, traffic.client)),
        serverFinishedKey: ahead(finishedKey(suite, traffic.server)),
        clientFinishedKey: ahead(finishedKey(suite, traffic.client)),
      },
    };
    this.state = { kind: 'waitEncryptedExtensions', keys };
    return [{ kind: 'readKeys', protection: await RecordProtection.create(suite, traffic.server) }];
  }

  /** Step 2a: HelloRetryRequest -> ClientHello2 with the requested share and cookie (RFC 8446 §4.1.4). */
  private async onHelloRetryRequest(message: HandshakeMessage, hello: ServerHello, suite: CipherSuiteInfo, retried: CipherSuiteInfo | undefined): Promise<HandshakeOutput[]> {
    if (retried) throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'second HelloRetryRequest');
    rejectUnexpectedExtensions(hello.extensions, [ExtensionType.supportedVersions, ExtensionType.keyShare, ExtensionType.cookie], 'HelloRetryRequest');
    const groupData = hello.extensions.get(ExtensionType.keyShare);
    const cookieData = hello.extensions.get(ExtensionType.cookie);
    const cookie = cookieData ? decodeCookie(cookieData) : undefined;
    if (groupData) {
      const group = decodeSelectedGroup(groupData);
      if (!isSupportedGroup(group) || this.shares.some((share) => share.group === group)) {
        throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', `HelloRetryRequest asks for group 0x${group.toString(16)}, which is unsupported or already offered`);
      }
      this.shares = [await KeyShare.generate(group)];
    } else if (!cookie) {
      throw tlsError('TLS_HANDSHAKE_FAILURE', 'illegal_parameter', 'HelloRetryRequest would not change the ClientHello');
    }
    await this.transcript.replaceWithMessageHash(suite.hash);
    this.transcript.add(message.raw);
    const hello2 = this.clientHello(cookie);
    this.state = { kind: 'waitServerHello', retried: suite };
    return [...this.changeCipherSpecOnce(), { kind: 'send', contentType: ContentType.handshake, data: hello2 }];
  }

  /** Step 3: EncryptedExtensions (RFC 8446 §4.3.1). */
  private onEncryptedExtensions(message: HandshakeMessage, keys: NegotiatedKeys): HandshakeOutput[] {
    const extensions = decodeEncryptedExtensions(message.body);
    const allowed: number[] = [ExtensionType.supportedGroups];
    if (this.config.sni !== undefined) allowed.push(ExtensionType.serverName);
    rejectUnexpectedExtensions(extensions, allowed, 'EncryptedExtensions');
    const serverName = extensions.get(ExtensionType.serverName);
    if (serverName && serverName.length !== 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'server_name in EncryptedExtensions must be empty');
    this.transcript.add(message.raw);
    this.state = { kind: 'waitCertificateOrRequest', keys };
    return [];
  }

  /** Step 4a: CertificateRequest; answered after the server Finished (RFC 8446 §4.3.2, §4.4.2). certificate_authorities is not used to filter, like OpenSSL. */
  private onCertificateRequest(message: HandshakeMessage, keys: NegotiatedKeys): HandshakeOutput[] {
    const request = decodeCertificateRequest(message.body);
    const signatureSchemes = decodeU16List(request.extensions.get(ExtensionType.signatureAlgorithms)!, 'signature_algorithms');
    this.transcript.add(message.raw);
    this.state = { kind: 'waitCertificate', keys, request: { context: request.context.slice(), signatureSchemes } };
    return [];
  }

  /** Step 4b: the server's Certificate; the chain and the name are checked here (RFC 8446 §4.4.2). */
  private async onCertificate(message: HandshakeMessage, keys: NegotiatedKeys, request: ClientCertificateRequest | undefined): Promise<HandshakeOutput[]> {
    const certificate = decodeCertificate(message.body);
    if (certificate.context.length !== 0) throw tlsError('TLS_PROTOCOL_ERROR', 'illegal_parameter', 'server Certificate has a non-empty request context');
    if (certificate.entries.length === 0) throw tlsError('TLS_DECODE_ERROR', 'decode_error', 'server sent an empty Certificate');
    for (const entry of certificate.entries) rejectUnexpectedExtensions(entry.extensions, [], 'CertificateEntry');
    const chain = certificate.entries.map((entry) => entry.der);
    await validateServerChain(chain, this.config.trustRoots, this.config.now());
    this.config.checkIdentity(chain[0]!, this.config.serverName);
    this.transcript.add(message.raw);
    this.state = { kind: 'waitCertificateVerify', keys, request, chain };
    return [];
  }

  /** Step 5: CertificateVerify over the transcript through Certificate (RFC 8446 §4.4.3). */
  private async onCertificateVerify(message: HandshakeMessage, state: Extract<State, { kind: 'waitCertificateVerify' }>): Promise<HandshakeOutput[]> {
    const verify = decodeCertificateVerify(message.body);
    const transcriptHash = await this.transcript.hash(state.keys.suite.hash);
    await verifyServerSignature(state.chain[0]!, verify.scheme, verify.signature, transcriptHash);
    this.transcript.add(message.raw);
    this.state = { kind: 'waitFinished', keys: state.keys, request: state.request, chain: state.chain };
    return [];
  }

  /** Step 6: server Finished, then our flight: [CCS], [Certificate, [CertificateVerify]], Finished (RFC 8446 §4.4). */
  private async onFinished(message: HandshakeMessage, state: Extract<State, { kind: 'waitFinished' }>): Promise<HandshakeOutput[]> {
    const { suite, ahead: early } = state.keys;
    const received = decodeFinished(message.body, suite.hashLength);
    const expected = await finishedMac(suite, await early.serverFinishedKey, await this.transcript.hash(suite.hash));
    if (!bytesEqual(received, expected)) throw tlsError('TLS_HANDSHAKE_FAILURE', 'decrypt_error', 'server Finished does not verify');
    this.transcript.add(message.raw);
    // Application secrets over ClientHello..server Finished (RFC 8446 §7.1); their keys are made while our flight is built.
    const throughServerFinished = await this.transcript.hash(suite.hash);
    const applicationKeys = ahead(
      early.master
        .then((master) => master.trafficSecrets(throughServerFinished))
        .then((application) => Promise.all([RecordProtection.create(suite, application.server), RecordProtection.create(suite, application.client)])),
    );

    const outputs: HandshakeOutput[] = [...this.changeCipherSpecOnce()];
    outputs.push({ kind: 'writeKeys', protection: await early.clientHandshakeKeys });
    if (state.request !== undefined) outputs.push(...(await this.clientCertificate(state.request, suite)));
    const finished = encodeFinished(await finishedMac(suite, await early.clientFinishedKey, await this.transcript.hash(suite.hash)));
    this.transcript.add(finished);
    outputs.push({ kind: 'send', contentType: ContentType.handshake, data: finished });
    const [applicationRead, applicationWrite] = await applicationKeys;
    outputs.push({ kind: 'readKeys', protection: applicationRead });
    outputs.push({ kind: 'writeKeys', protection: applicationWrite });
    outputs.push({ kind: 'connected', result: { protocol: 'TLSv1.3', cipherSuite: suite, peerCertificates: state.chain } });
    this.state = { kind: 'connected' };
    return outputs;
  }

  /**
   * RFC 8446 §4.4.2-§4.4.3: our chain (empty entry extensions) and a CertificateVerify with a scheme the
   * server listed, or an empty Certificate when we have no credential or no common scheme (the server decides).
   */
  private async clientCertificate(request: ClientCertificateRequest, suite: CipherSuiteInfo): Promise<HandshakeOutput[]> {
    const credential = this.config.clientCredential;
    const scheme = credential ? chooseClientScheme(credential, request.signatureSchemes, 'TLSv1.3') : undefined;
    const certificate = encodeCertificate(request.context, scheme !== undefined ? credential!.chain : []);
    this.transcript.add(certificate);
    const outputs: HandshakeOutput[] = [{ kind: 'send', contentType: ContentType.handshake, data: certificate }];
    if (scheme !== undefined) {
      const content = certificateVerifyContent(await this.transcript.hash(suite.hash), 'client');
      const verify = encodeCertificateVerify(scheme, await credential!.sign(scheme, content));
      this.transcript.add(verify);
      outputs.push({ kind: 'send', contentType: ContentType.handshake, data: verify });
    }
    return outputs;
  }

  private changeCipherSpecOnce(): HandshakeOutput[] {
    if (this.sentChangeCipherSpec) return [];
    this.sentChangeCipherSpec = true;
    return [{ kind: 'send', contentType: ContentType.changeCipherSpec, data: CCS_BODY }];
  }
}
