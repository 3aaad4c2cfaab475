/**
 * A TLS 1.3 / 1.2 client connection over any ByteChannel: drives the sans-I/O record layer and
 * handshake with transport reads and writes, then serves application data.
 * Errors are sticky: after a fatal error every call reports it.
 */
import { concatBytes } from '../bytes/bytes.js';
import { MyProxyWebError, toMyProxyWebError } from '../errors.js';
import type { ByteChannel } from '../transport/channel.js';
import { AlertDescription, alertForError, alertName, encodeAlert, tlsError } from './alerts.js';
import type { HandshakeOutput, HandshakeResult, Tls13ClientHandshake } from './client13.js';
import { decodeAll } from './codec.js';
import { ContentType, HandshakeType } from './constants.js';
import { HandshakeAssembler, type HandshakeMessage } from './handshake-framing.js';
import { nextTrafficSecret } from './key-schedule.js';
import { decodeKeyUpdate, decodeNewSessionTicket, encodeKeyUpdate } from './messages-server.js';
import { RecordLayer, type TlsRecord } from './record-layer.js';
import { RecordProtection } from './record-protection.js';

/** How long close() waits for close_notify to be written before closing the transport anyway. */
const CLOSE_NOTIFY_GRACE_MS = 1000;
/** TLS 1.2 warning alerts are skipped (RFC 5246 §7.2); this many in one connection is an attack, not a peer. */
const MAX_WARNING_ALERTS = 16;

export class TlsEngine {
  private readonly records = new RecordLayer();
  private readonly assembler = new HandshakeAssembler();
  private readonly appData: Uint8Array[] = [];
  private result: HandshakeResult | undefined;
  private failure: MyProxyWebError | undefined;
  private peerClosed = false;
  private warningAlerts = 0;
  private closed = false;
  private writeChain: Promise<void> = Promise.resolve();
  private readChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: ByteChannel,
    private readonly handshake: Tls13ClientHandshake,
  ) {}

  /** Runs the handshake to completion (RFC 8446 §2). */
  async runHandshake(): Promise<HandshakeResult> {
    try {
      await this.apply(await this.handshake.start());
      while (!this.result) {
        if (this.failure) throw this.failure;
        await this.pump();
      }
      return this.result;
    } catch (error) {
      throw this.fail(error);
    }
  }

  /** Aborts from outside (handshake timeout): no alert, transport closed. */
  abort(error: MyProxyWebError): void {
    this.failure ??= error;
    this.closed = true;
    this.transport.close();
  }

  /** Next application-data chunk, or null at end of stream. Reads are served one at a time. */
  read(): Promise<Uint8Array | null> {
    const next = this.readChain.then(() => this.readNext());
    this.readChain = next.catch(() => undefined);
    return next;
  }

  private async readNext(): Promise<Uint8Array | null> {
    try {
      for (;;) {
        const chunk = this.appData.shift();
        if (chunk) return chunk;
        if (this.failure) throw this.failure;
        if (this.peerClosed || this.closed) return null;
        await this.pump();
      }
    } catch (error) {
      if (this.closed && !this.failure) return null;
      throw this.fail(error);
    }
  }

  /** Sends `data` as its own record(s), never merged with another write (RFC 8446 §5.1 allows this). */
  write(data: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new MyProxyWebError('TLS_CLOSED', 'write on a closed TLS connection'));
    return this.enqueueWrite(async () => {
      if (data.length === 0) return;
      await this.transport.write(await this.records.encode(ContentType.applicationData, data));
    });
  }

  /** Sends close_notify best-effort (RFC 8446 §6.1), then closes the transport. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.failure || !this.result) {
      this.transport.close();
      return;
    }
    const notify = this.writeChain.then(async () => {
      await this.transport.write(await this.records.encode(ContentType.alert, encodeAlert(AlertDescription.close_notify)));
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_NOTIFY_GRACE_MS)));
    void Promise.race([notify, grace])
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        this.transport.close();
      });
  }

  private enqueueWrite(task: () => Promise<void>): Promise<void> {
    const next = this.writeChain.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await task();
      } catch (error) {
        throw this.fail(error);
      }
    });
    this.writeChain = next.catch(() => undefined);
    return next;
  }

  /** Processes one buffered record, or reads one transport chunk when none is complete. */
  private async pump(): Promise<void> {
    const record = await this.records.nextRecord();
    if (record) return this.onRecord(record);
    const chunk = await this.transport.read();
    if (chunk !== null) {
      this.records.push(chunk);
      return;
    }
    if (!this.result) throw new MyProxyWebError('TRANSPORT_CLOSED', 'the server closed the connection during the TLS handshake');
    if (this.records.hasBufferedBytes || this.assembler.hasPartialMessage) {
      throw tlsError('TLS_PROTOCOL_ERROR', 'decode_error', 'the server closed the connection in the middle of a TLS record');
    }
    // myproxy-server never sends close_notify: a clean TCP end is a normal end of stream.
    this.peerClosed = true;
  }

  private async onRecord(record: TlsRecord): Promise<void> {
    switch (record.type) {
      case ContentType.changeCipherSpec: {
        if (record.encrypted || record.content.length !== 1 || record.content[0] !== 1) {
          throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'malformed change_cipher_spec record');
        }
        // TLS 1.2 (RFC 5246 §7.1): the server switches to its new keys; no handshake message may straddle that.
        const outputs = this.result ? null : await this.handshake.changeCipherSpec();
        if (outputs) {
          this.checkKeyChangeBoundary();
          return this.apply(outputs);
        }
        // TLS 1.3 (RFC 8446 §5): a single 0x01 may arrive before the first protected record; otherwise fatal.
        if (this.records.receivedEncrypted || this.result) {
          throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'unexpected change_cipher_spec record');
        }
        return;
      }
      case ContentType.alert:
        return this.onAlert(record.content);
      case ContentType.handshake:
        this.assembler.push(record.content);
        for (let message = this.assembler.next(); message; message = this.assembler.next()) {
          if (this.result) await this.onPostHandshake(message);
          else await this.apply(await this.handshake.handle(message));
        }
        return;
      case ContentType.applicationData:
        if (!this.result) throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'application data before the handshake completed');
        if (record.content.length > 0) this.appData.push(record.content);
        return;
      default:
        throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `unknown record content type ${record.type}`);
    }
  }

  /**
   * RFC 8446 §6: close_notify ends the stream; user_canceled is a warning; everything else is fatal.
   * TLS 1.2 (RFC 5246 §7.2): any warning-level alert is skipped, up to MAX_WARNING_ALERTS.
   */
  private onAlert(content: Uint8Array): void {
    const [level, description] = decodeAll('Alert', content, (r) => [r.u8('Alert.level'), r.u8('Alert.description')] as const);
    if (description === AlertDescription.close_notify) {
      this.peerClosed = true;
      return;
    }
    if (description === AlertDescription.user_canceled) return;
    if (level === 1 && this.handshake.negotiatedVersion === 'TLSv1.2') {
      if (++this.warningAlerts <= MAX_WARNING_ALERTS) return;
      throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `too many warning alerts (last: ${alertName(description)})`);
    }
    const kind = level === 1 ? 'warning-level' : 'fatal';
    throw new MyProxyWebError('TLS_ALERT_RECEIVED', `server sent ${kind} alert ${alertName(description)} (${description})`);
  }

  /**
   * RFC 8446 §4.6: NewSessionTicket is ignored, KeyUpdate honoured; nothing else is expected.
   * TLS 1.2: a HelloRequest is refused with a no_renegotiation warning, which RFC 5246 §7.4.1.1 allows
   * a client that does not wish to renegotiate (rustls does the same); the connection keeps its keys.
   * (OpenSSL servers treat that answer as fatal and close with handshake_failure.)
   */
  private async onPostHandshake(message: HandshakeMessage): Promise<void> {
    if (this.result?.protocol === 'TLSv1.2') {
      if (message.type !== HandshakeType.helloRequest || message.body.length !== 0) {
        throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `unexpected TLS 1.2 post-handshake message ${message.type}`);
      }
      void this.enqueueWrite(async () => {
        await this.transport.write(await this.records.encode(ContentType.alert, encodeAlert(AlertDescription.no_renegotiation)));
      }).catch(() => undefined);
      return;
    }
    if (message.type === HandshakeType.newSessionTicket) {
      decodeNewSessionTicket(message.body);
      return;
    }
    if (message.type !== HandshakeType.keyUpdate) {
      throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', `unexpected post-handshake message ${message.type}`);
    }
    const updateRequested = decodeKeyUpdate(message.body);
    this.checkKeyChangeBoundary();
    const current = this.records.readKeys;
    if (!(current instanceof RecordProtection)) throw tlsError('INTERNAL', 'internal_error', 'KeyUpdate without TLS 1.3 keys');
    this.records.setReadProtection(await RecordProtection.create(current.suite, await nextTrafficSecret(current.suite, current.secret)));
    if (!updateRequested) return;
    // RFC 8446 §4.6.3: answer with update_not_requested under the old key, then switch ours.
    void this.enqueueWrite(async () => {
      const own = this.records.writeKeys;
      if (!(own instanceof RecordProtection)) throw tlsError('INTERNAL', 'internal_error', 'KeyUpdate without TLS 1.3 keys');
      const answer = await this.records.encode(ContentType.handshake, encodeKeyUpdate(false));
      this.records.setWriteProtection(await RecordProtection.create(own.suite, await nextTrafficSecret(own.suite, own.secret)));
      await this.transport.write(answer);
    }).catch(() => undefined);
  }

  /** RFC 8446 §5.1: handshake messages must not span a key change. */
  private checkKeyChangeBoundary(): void {
    if (this.assembler.hasPartialMessage) {
      throw tlsError('TLS_PROTOCOL_ERROR', 'unexpected_message', 'handshake data continues across a key change');
    }
  }

  /** Applies handshake outputs in order; everything to send goes out in one transport write. */
  private async apply(outputs: HandshakeOutput[]): Promise<void> {
    const pending: Uint8Array[] = [];
    for (const output of outputs) {
      switch (output.kind) {
        case 'send':
          pending.push(await this.records.encode(output.contentType, output.data, output.initial ?? false));
          break;
        case 'readKeys':
          this.checkKeyChangeBoundary();
          this.records.setReadProtection(output.protection);
          break;
        case 'writeKeys':
          this.records.setWriteProtection(output.protection);
          break;
        case 'connected':
          this.result = output.result;
          break;
      }
    }
    if (pending.length > 0) await this.transport.write(pending.length === 1 ? pending[0]! : concatBytes(...pending));
  }

  /** Makes `error` the sticky failure, sends the matching alert best-effort, and closes the transport. */
  private fail(error: unknown): MyProxyWebError {
    if (this.failure) return this.failure;
    const failure = toMyProxyWebError(error, 'TLS_PROTOCOL_ERROR');
    this.failure = failure;
    const alert = alertForError(failure);
    if (alert !== undefined && !this.closed) {
      this.closed = true;
      void this.records
        .encode(ContentType.alert, encodeAlert(alert))
        .then((bytes) => this.transport.write(bytes))
        .catch(() => undefined)
        .finally(() => this.transport.close());
    } else {
      this.closed = true;
      this.transport.close();
    }
    return failure;
  }
}
