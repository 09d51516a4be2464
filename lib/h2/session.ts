/**
 * The server side of one HTTP/2 connection (RFC 9113), without a socket:
 * bytes go in through `receive()`, frames come out through the host's
 * `write()`. It owns stream states, both directions of flow control, HPACK
 * contexts, limits, and the DATA scheduler that never sends past credit.
 * The one file that binds it to a socket is lib/server/h2-connection.ts.
 * @module
 */
import { SluiceError, SluiceErrorCode } from '../errors.js';
import { RequestBody, type HeaderList } from '../http/request-body.js';
import { CLIENT_PREFACE, FrameType, SettingsId } from './frame/constants.js';
import * as decode from './frame/decode.js';
import * as encode from './frame/encode.js';
import { FrameReader, type RawFrame } from './frame/frame-reader.js';
import { ErrorCode, errorCodeName, H2ConnectionError, H2Error, H2StreamError } from './errors.js';
import { ReceiveWindow, SendWindow } from './flow-control.js';
import { HpackDecoder, HpackEncoder, type DecodeResult } from './hpack/index.js';
import { DEFAULT_H2_LIMITS, FloodCounter, type H2Limits } from './limits.js';
import { batchingHost } from './output-batch.js';
import { validateRequest, validateTrailers } from './request-validation.js';
import { H2Stream, type StreamOwner } from './stream.js';
import { WriteScheduler } from './write-scheduler.js';

/** What the session needs from its transport and its application. */
export interface H2SessionHost {
  /** Append bytes to the transport (the host batches writes of one tick); `flushed` once it no longer references them. */
  write(data: Buffer, flushed?: () => void): void;
  /** Bytes written but not yet flushed to the network (socket.writableLength). */
  bufferedAmount(): number;
  /** Bytes the transport has flushed so far (a measure of the peer reading); absent, a stalled peer is not detected. */
  flushed?(): number;
  /** Flush what was written, then close the transport. */
  end(): void;
  /** A complete, valid request arrived on a new stream. */
  onRequest(stream: H2Stream): void;
  /** Something went wrong that the peer did not cause (a bug); for logs. */
  onError?(err: Error): void;
}

export interface H2SessionOptions {
  limits?: Partial<H2Limits>;
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441): a vhost has WebSocket protocols. */
  enableConnectProtocol?: boolean;
}

/** How a stream ended, remembered for a while to answer late frames correctly (§5.1 "closed"). */
const enum ClosedHow {
  /** Both sides sent END_STREAM: later DATA or HEADERS are connection errors STREAM_CLOSED (§5.1 "closed"). */
  ENDED,
  /** The peer reset it: later frames (but PRIORITY) are stream errors STREAM_CLOSED (RFC 7540 §5.1). */
  RESET_RECEIVED,
  /** We reset it (or ignored it): frames already in flight are ignored (§5.1). */
  RESET_SENT,
}
/** Closed streams remembered; older ones are treated as never opened. */
const CLOSED_MEMORY = 1000;

interface HeaderBlock {
  streamId: number;
  fragments: Buffer[];
  size: number;
  frames: number;
  endStream: boolean;
  priority: decode.PriorityFields | null;
  /** What to do once the block is decoded (it is decoded in every case, to keep HPACK in sync). */
  kind: 'new' | 'trailers' | 'ignore' | 'stream-closed';
}

const PRIORITY_UPDATE = 0x10; // RFC 9218 §7.1

export class H2Session implements StreamOwner {
  /** Our send credit on the connection (§6.9.1: starts at 65,535, changed only by WINDOW_UPDATE on stream 0). */
  readonly connectionWindow = new SendWindow(65_535);
  /** Protocol errors by stable code, for metrics and tests. */
  readonly counters = new Map<string, number>();
  readonly limits: Readonly<H2Limits>;
  readonly #host: H2SessionHost;
  readonly #connectProtocol: boolean;
  readonly #connRecv: ReceiveWindow;
  readonly #reader: FrameReader;
  readonly #decoder: HpackDecoder;
  readonly #encoder = new HpackEncoder();
  readonly #streams = new Map<number, H2Stream>();
  readonly #closed = new Map<number, ClosedHow>();
  readonly #scheduler = new WriteScheduler<H2Stream>();
  readonly #writableWaiters = new Set<H2Stream>();
  readonly #peer = { initialWindowSize: 65_535, maxFrameSize: 16_384 };
  readonly #floods: { resets: FloodCounter; settings: FloodCounter; pings: FloodCounter; emptyData: FloodCounter };
  #prefaceMatched = 0;
  #gotPeerSettings = false;
  #lastPeerStreamId = 0;
  #headerBlock: HeaderBlock | null = null;
  #goawayLastId = -1;
  #peerGoaway = false;
  #dead = false;
  #pumping = false;
  /** Inside receive(): writes made by handlers wait for the end of the input batch, so every new stream competes fairly. */
  #receiving = false;
  #pumpScheduled = false;
  #microPumpScheduled = false;
  #settingsTimer: NodeJS.Timeout | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #stallSweep: NodeJS.Timeout | null = null;
  /** When the sweep first saw the connection window at zero with a stream waiting on it (0: not). */
  #connStalledSince = 0;
  /** When the sweep first saw bytes waiting in the transport, and how much it had flushed then. */
  #readStalledSince = 0;
  #readStalledAt = 0;

  constructor(host: H2SessionHost, options: H2SessionOptions = {}) {
    this.#host = batchingHost(host); // one transport write per tick (lib/h2/output-batch.ts)
    this.limits = { ...DEFAULT_H2_LIMITS, ...options.limits };
    this.#connectProtocol = options.enableConnectProtocol ?? false;
    const l = this.limits;
    this.#connRecv = new ReceiveWindow(l.connectionWindowSize, 65_535);
    this.#reader = new FrameReader(l.maxFrameSize);
    this.#decoder = new HpackDecoder({ maxTableSize: l.headerTableSize, maxHeaderListSize: l.maxHeaderListSize });
    this.#floods = {
      resets: new FloodCounter(l.maxResetsPerInterval, l.floodIntervalMs),
      settings: new FloodCounter(l.maxSettingsPerInterval, l.floodIntervalMs),
      pings: new FloodCounter(l.maxPingsPerInterval, l.floodIntervalMs),
      emptyData: new FloodCounter(l.maxEmptyDataPerInterval, l.floodIntervalMs),
    };
  }

  /** Send our connection preface: SETTINGS, then the connection window raise (§3.4, §6.9.2). */
  start(): void {
    const l = this.limits;
    const settings: Array<[number, number]> = [
      [SettingsId.ENABLE_PUSH, 0],
      [SettingsId.MAX_CONCURRENT_STREAMS, l.maxConcurrentStreams],
      [SettingsId.INITIAL_WINDOW_SIZE, l.initialWindowSize],
      [SettingsId.MAX_HEADER_LIST_SIZE, l.maxHeaderListSize],
      [SettingsId.NO_RFC7540_PRIORITIES, 1],
    ];
    if (l.headerTableSize !== 4096) settings.push([SettingsId.HEADER_TABLE_SIZE, l.headerTableSize]);
    if (l.maxFrameSize !== 16_384) settings.push([SettingsId.MAX_FRAME_SIZE, l.maxFrameSize]);
    if (this.#connectProtocol) settings.push([SettingsId.ENABLE_CONNECT_PROTOCOL, 1]);
    this.#host.write(encode.encodeSettings(settings));
    const raise = this.#connRecv.grow(l.connectionWindowSize - 65_535);
    if (raise > 0) this.#host.write(encode.encodeWindowUpdate(0, raise));
    this.#settingsTimer = this.#timer(l.settingsAckTimeoutMs, () => this.#fail(new H2ConnectionError(ErrorCode.SETTINGS_TIMEOUT, 'SETTINGS not acknowledged in time')));
    this.#armIdle();
  }

  get activeStreams(): number {
    return this.#streams.size;
  }

  /**
   * Whether the transport should stop reading: our answers pile up unread. DATA alone stops
   * at outboundBufferBytes (the pump waits), so past twice that the backlog is answers to the
   * peer's frames (PING and SETTINGS ACKs, RST_STREAMs...): reading more of them would only
   * grow it. The peer is paced by TCP until it reads; maxOutboundControlBytes stays the backstop.
   */
  get readBackPressure(): boolean {
    return this.#host.bufferedAmount() > Math.min(2 * this.limits.outboundBufferBytes, this.limits.maxOutboundControlBytes / 2);
  }

  get closed(): boolean {
    return this.#dead;
  }

  /** Bytes from the peer. */
  receive(chunk: Buffer): void {
    if (this.#dead) return;
    try {
      if (this.#prefaceMatched < CLIENT_PREFACE.length) {
        chunk = this.#matchPreface(chunk);
        if (chunk.length === 0) return;
      }
      this.#reader.push(chunk);
      let f: RawFrame | null;
      this.#receiving = true;
      while (!this.#dead && (f = this.#reader.next()) !== null) this.#dispatch(f);
    } catch (err) {
      this.#fail(err);
    } finally {
      this.#receiving = false;
    }
    this.#pump();
  }

  /** The transport flushed its buffer: produce more DATA. */
  onTransportDrain(): void {
    this.#pump();
  }

  /**
   * Graceful shutdown (§6.8): GOAWAY with the last stream we accepted, finish
   * those streams, then close. New streams are ignored (the client may retry them).
   */
  close(): void {
    if (this.#dead || this.#goawayLastId >= 0) return;
    this.#goawayLastId = this.#lastPeerStreamId;
    this.#host.write(encode.encodeGoaway(this.#goawayLastId, ErrorCode.NO_ERROR));
    for (const s of [...this.#streams.values()]) if (!s.localOpen) this.#stopUpload(s); // answered: do not wait for the upload
    if (this.#streams.size === 0) this.#finish();
  }

  /** The transport is gone: fail everything still pending. */
  destroy(reason: Error = new SluiceError(SluiceErrorCode.STREAM_CLOSED, 'connection closed')): void {
    if (!this.#dead) this.#dead = true;
    this.#clearTimers();
    for (const s of [...this.#streams.values()]) this.#forget(s, ClosedHow.ENDED, reason);
  }

  // --- StreamOwner: called by streams on behalf of the unified write API ---

  sendHead(s: H2Stream, status: number, fields: HeaderList, endStream: boolean): void {
    if (this.#dead) return;
    const list: Array<readonly [string, string]> = [statusField(status)];
    for (const f of fields) list.push(f);
    const block = this.#encoder.encodeTransient(list); // framed (copied) right below, before the next encode
    this.#host.write(encode.encodeHeaderBlock(s.id, block, endStream, this.#peer.maxFrameSize));
    if (endStream) this.#sentEnd(s);
  }

  dataQueued(s: H2Stream): void {
    this.#scheduler.add(s);
    if (this.#receiving || this.#pumping || this.#microPumpScheduled) return;
    // Gather the writes of this tick before choosing who sends: fairness, and one writev.
    this.#microPumpScheduled = true;
    queueMicrotask(() => {
      this.#microPumpScheduled = false;
      this.#pump();
    });
  }

  writableRequested(s: H2Stream): void {
    this.#writableWaiters.add(s);
    this.#schedulePump();
  }

  resetStream(s: H2Stream, errorCode: number): void {
    if (this.#dead || !this.#streams.has(s.id)) return;
    this.#host.write(encode.encodeRstStream(s.id, errorCode));
    this.#forget(s, ClosedHow.RESET_SENT, new SluiceError(SluiceErrorCode.STREAM_CLOSED, `stream reset by the server (${errorCodeName(errorCode)})`));
  }

  // --- input ---

  #matchPreface(chunk: Buffer): Buffer {
    const need = CLIENT_PREFACE.length - this.#prefaceMatched;
    const n = Math.min(need, chunk.length);
    if (!chunk.subarray(0, n).equals(CLIENT_PREFACE.subarray(this.#prefaceMatched, this.#prefaceMatched + n))) {
      throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'invalid connection preface');
    }
    this.#prefaceMatched += n;
    return chunk.subarray(n);
  }

  #dispatch(f: RawFrame): void {
    // §6.10: a header block is contiguous; anything else in between is a connection error.
    if (this.#headerBlock && (f.type !== FrameType.CONTINUATION || f.streamId !== this.#headerBlock.streamId)) {
      throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'frame interleaved in a header block');
    }
    // §3.4: the preface's first frame MUST be SETTINGS.
    if (!this.#gotPeerSettings && (f.type !== FrameType.SETTINGS || (f.flags & 0x1) !== 0)) {
      throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'first frame is not SETTINGS');
    }
    try {
      this.#onFrame(f);
    } catch (err) {
      if (!(err instanceof H2StreamError)) throw err;
      this.#count(err);
      this.#streamError(err);
    }
  }

  #onFrame(f: RawFrame): void {
    switch (f.type) {
      case FrameType.DATA:
        return this.#onData(f);
      case FrameType.HEADERS:
        return this.#onHeaders(f);
      case FrameType.PRIORITY:
        return this.#onPriority(f);
      case FrameType.RST_STREAM:
        return this.#onRstStream(f);
      case FrameType.SETTINGS:
        return this.#onSettings(f);
      case FrameType.PUSH_PROMISE:
        // §8.4: clients cannot push.
        throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PUSH_PROMISE from a client');
      case FrameType.PING:
        return this.#onPing(f);
      case FrameType.GOAWAY:
        return this.#onGoaway(f);
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(f);
      case FrameType.CONTINUATION:
        return this.#onContinuation(f);
      case PRIORITY_UPDATE:
        return this.#onPriorityUpdate(f);
      default:
      // §4.1, §5.5: unknown frame types are ignored.
    }
  }

  /** A stream id the peer has not used yet is idle (§5.1.1: ids only grow). */
  #isIdle(id: number): boolean {
    return id > this.#lastPeerStreamId || id % 2 === 0;
  }

  #onHeaders(f: RawFrame): void {
    const h = decode.decodeHeaders(f);
    const id = f.streamId;
    let kind: HeaderBlock['kind'];
    const s = this.#streams.get(id);
    if (s) {
      kind = s.remoteOpen ? 'trailers' : 'stream-closed';
    } else if (id % 2 === 0) {
      throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, `HEADERS on even stream ${id}`);
    } else if (id <= this.#lastPeerStreamId) {
      const how = this.#closed.get(id);
      if (how === undefined) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, `stream id ${id} is lower than ${this.#lastPeerStreamId}`);
      if (how === ClosedHow.ENDED || how === ClosedHow.RESET_RECEIVED) throw new H2ConnectionError(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${id}`);
      kind = 'ignore';
    } else {
      this.#lastPeerStreamId = id;
      kind = this.#goawayLastId >= 0 ? 'ignore' : 'new';
    }
    this.#headerBlock = { streamId: id, fragments: [h.fragment], size: h.fragment.length, frames: 1, endStream: h.endStream, priority: h.priority, kind };
    this.#checkBlockSize(this.#headerBlock);
    if (h.endHeaders) this.#endHeaderBlock();
  }

  #onContinuation(f: RawFrame): void {
    const hb = this.#headerBlock;
    if (!hb) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'CONTINUATION without HEADERS');
    const c = decode.decodeContinuation(f);
    if (++hb.frames > this.limits.maxContinuationFrames + 1) {
      throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `more than ${this.limits.maxContinuationFrames} CONTINUATION frames`);
    }
    hb.fragments.push(c.fragment);
    hb.size += c.fragment.length;
    this.#checkBlockSize(hb);
    if (c.endHeaders) this.#endHeaderBlock();
  }

  /** A compressed block this large cannot decode to an acceptable list; stop buffering it. */
  #checkBlockSize(hb: HeaderBlock): void {
    if (hb.size > 2 * this.limits.maxHeaderListSize) {
      throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `header block above ${2 * this.limits.maxHeaderListSize} octets`);
    }
  }

  #endHeaderBlock(): void {
    const hb = this.#headerBlock!;
    this.#headerBlock = null;
    const block = hb.fragments.length === 1 ? hb.fragments[0]! : Buffer.concat(hb.fragments, hb.size);
    const decoded = this.#decoder.decode(block);
    switch (hb.kind) {
      case 'ignore':
        return;
      case 'stream-closed':
        throw new H2StreamError(hb.streamId, ErrorCode.STREAM_CLOSED, `HEADERS on half-closed stream ${hb.streamId}`);
      case 'trailers':
        return this.#onTrailers(this.#streams.get(hb.streamId)!, decoded, hb.endStream);
      case 'new':
        return this.#openStream(hb, decoded);
    }
  }

  #openStream(hb: HeaderBlock, decoded: DecodeResult): void {
    const id = hb.streamId;
    if (hb.priority && hb.priority.dependency === id) throw new H2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
    if (this.#streams.size >= this.limits.maxConcurrentStreams) {
      throw new H2StreamError(id, ErrorCode.REFUSED_STREAM, `more than ${this.limits.maxConcurrentStreams} concurrent streams`);
    }
    if (decoded.oversized) return this.#refuseOversized(id, hb.endStream);
    const req = validateRequest(id, decoded.headers, this.#connectProtocol);
    if (hb.endStream && req.contentLength > 0) throw new H2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'content-length without DATA');
    const s = new H2Stream(id, req, hb.endStream, this, this.#peer.initialWindowSize, this.limits.initialWindowSize);
    s.expectedLength = req.contentLength;
    if (!hb.endStream) {
      s.body = new RequestBody({ consumed: (n) => this.#consumed(s, n), discarded: (n) => this.#releaseConnection(n) });
    }
    const priority = req.headers.find(([n]) => n === 'priority');
    if (priority) s.urgency = parseUrgency(priority[1], s.urgency);
    this.#streams.set(id, s);
    this.#disarmIdle();
    this.#armStallSweep();
    this.#host.onRequest(s);
  }

  /** §10.5.1: a header list above SETTINGS_MAX_HEADER_LIST_SIZE gets 431, the connection lives on. */
  #refuseOversized(id: number, endStream: boolean): void {
    this.#bump('H2_HEADER_LIST_TOO_LARGE');
    const s = new H2Stream(id, { method: 'GET', scheme: 'https', authority: '', path: '/', protocol: null, headers: [] }, endStream, this, this.#peer.initialWindowSize, this.limits.initialWindowSize);
    this.#streams.set(id, s);
    if (!endStream) s.body = new RequestBody({ consumed: () => {}, discarded: (n) => this.#releaseConnection(n) });
    s.body?.destroy();
    this.sendHead(s, 431, [['content-length', '0']], true);
  }

  #onTrailers(s: H2Stream, decoded: DecodeResult, endStream: boolean): void {
    // §8.1: a second HEADERS without END_STREAM is malformed.
    if (!endStream) throw new H2StreamError(s.id, ErrorCode.PROTOCOL_ERROR, 'trailers without END_STREAM');
    if (decoded.oversized) throw new H2StreamError(s.id, ErrorCode.PROTOCOL_ERROR, 'trailers above the header list limit');
    validateTrailers(s.id, decoded.headers);
    if (s.expectedLength >= 0 && s.receivedLength !== s.expectedLength) {
      throw new H2StreamError(s.id, ErrorCode.PROTOCOL_ERROR, 'body shorter than content-length');
    }
    s.body?.finish(decoded.headers);
    this.#recvEnd(s);
  }

  #onData(f: RawFrame): void {
    const d = decode.decodeData(f);
    const id = f.streamId;
    // §6.9: DATA counts against the connection window whatever the stream's state.
    if (!this.#connRecv.receive(d.flowLength)) throw new H2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the connection window');
    const s = this.#streams.get(id);
    if (!s || !s.remoteOpen) {
      this.#releaseConnection(d.flowLength);
      if (!s && this.#isIdle(id)) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${id}`);
      // §5.1: ignore what was in flight on a stream we reset, or above our GOAWAY (§6.8);
      // any other closed stream, implicitly closed ones included (§5.1.1), is STREAM_CLOSED (§6.1).
      if (!s && (this.#closed.get(id) === ClosedHow.RESET_SENT || (this.#goawayLastId >= 0 && id > this.#goawayLastId))) return;
      // After both END_STREAMs the peer has no excuse: a connection error (§5.1 allows it, h2spec http2/5.1/11 requires it).
      if (!s && this.#closed.get(id) === ClosedHow.ENDED) throw new H2ConnectionError(ErrorCode.STREAM_CLOSED, `DATA on closed stream ${id}`);
      throw new H2StreamError(id, ErrorCode.STREAM_CLOSED, `DATA on closed stream ${id}`);
    }
    if (!s.recvWindow.receive(d.flowLength)) {
      this.#releaseConnection(d.flowLength);
      throw new H2StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, 'DATA beyond the stream window');
    }
    const padding = d.flowLength - d.data.length;
    if (padding > 0) this.#consumed(s, padding);
    if (d.data.length === 0 && !d.endStream && !this.#floods.emptyData.hit()) {
      throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'empty DATA frame flood');
    }
    s.receivedLength += d.data.length;
    if (s.expectedLength >= 0 && (s.receivedLength > s.expectedLength || (d.endStream && s.receivedLength !== s.expectedLength))) {
      this.#releaseConnection(d.data.length);
      throw new H2StreamError(id, ErrorCode.PROTOCOL_ERROR, 'DATA does not match content-length');
    }
    if (d.data.length > 0) s.body!.enqueue(d.data);
    if (d.endStream) {
      s.body!.finish();
      this.#recvEnd(s);
    } else if (!s.localOpen && s.recvWindow.available === 0) this.#stopUpload(s); // answered, and out of credit
  }

  #onPriority(f: RawFrame): void {
    const p = decode.decodePriority(f);
    if (p.dependency !== f.streamId) return; // RFC 9113 deprecates the tree; we use RFC 9218 urgency.
    if (this.#isIdle(f.streamId)) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'idle stream depends on itself');
    throw new H2StreamError(f.streamId, ErrorCode.PROTOCOL_ERROR, 'stream depends on itself');
  }

  #onPriorityUpdate(f: RawFrame): void {
    if (f.streamId !== 0) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY_UPDATE on a stream');
    if (f.payload.length < 4) throw new H2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, 'PRIORITY_UPDATE too short');
    const target = f.payload.readUInt32BE(0) & 0x7fff_ffff;
    if (target === 0) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, 'PRIORITY_UPDATE for stream 0');
    const s = this.#streams.get(target);
    if (s) this.#scheduler.setUrgency(s, parseUrgency(f.payload.toString('latin1', 4), s.urgency));
  }

  #onRstStream(f: RawFrame): void {
    const code = decode.decodeRstStream(f);
    const s = this.#streams.get(f.streamId);
    if (!s) {
      // §6.4: RST_STREAM on an idle stream is a connection error; on a closed one it is ignored.
      if (this.#isIdle(f.streamId)) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${f.streamId}`);
      return;
    }
    if (!this.#floods.resets.hit()) throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many stream resets (rapid reset)');
    // A stream whose response is complete aborts nothing of the application's.
    const reason = s.localOpen ? new SluiceError(SluiceErrorCode.STREAM_CLOSED, `stream reset by the peer (${errorCodeName(code)})`) : null;
    this.#forget(s, ClosedHow.RESET_RECEIVED, reason);
  }

  #onSettings(f: RawFrame): void {
    const st = decode.decodeSettings(f);
    if (st.ack) {
      if (this.#settingsTimer) clearTimeout(this.#settingsTimer);
      this.#settingsTimer = null;
      return;
    }
    if (!this.#floods.settings.hit()) throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'SETTINGS flood');
    this.#gotPeerSettings = true;
    for (const [id, value] of st.params) {
      if (id === SettingsId.HEADER_TABLE_SIZE) this.#encoder.setPeerMaxTableSize(value);
      else if (id === SettingsId.MAX_FRAME_SIZE) this.#peer.maxFrameSize = value;
      else if (id === SettingsId.INITIAL_WINDOW_SIZE) this.#shiftWindows(value);
    }
    this.#writeControl(encode.encodeSettingsAck());
  }

  /** §6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE moves every stream window by the difference. */
  #shiftWindows(value: number): void {
    const delta = value - this.#peer.initialWindowSize;
    this.#peer.initialWindowSize = value;
    for (const s of this.#streams.values()) {
      if (!s.sendWindow.shift(delta)) throw new H2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, `stream ${s.id} window above 2^31-1 after SETTINGS`);
      if (delta > 0 && s.queue.length > 0) this.#scheduler.add(s);
    }
  }

  #onPing(f: RawFrame): void {
    const p = decode.decodePing(f);
    if (p.ack) return;
    if (!this.#floods.pings.hit()) throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'PING flood');
    this.#writeControl(encode.encodePing(p.opaque, true));
  }

  #onGoaway(f: RawFrame): void {
    decode.decodeGoaway(f);
    this.#peerGoaway = true;
    if (this.#streams.size === 0) this.#finish();
  }

  #onWindowUpdate(f: RawFrame): void {
    const id = f.streamId;
    if (id === 0) {
      const inc = decode.decodeWindowUpdate(f);
      if (!this.connectionWindow.increase(inc)) throw new H2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, 'connection window above 2^31-1');
      return;
    }
    const s = this.#streams.get(id);
    if (!s && this.#isIdle(id)) throw new H2ConnectionError(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${id}`);
    const inc = decode.decodeWindowUpdate(f);
    if (!s) return; // closed: credit for a stream we finished; ignore (§5.1)
    if (!s.sendWindow.increase(inc)) throw new H2StreamError(id, ErrorCode.FLOW_CONTROL_ERROR, 'stream window above 2^31-1');
    if (s.queue.length > 0) this.#scheduler.add(s);
  }

  // --- output ---

  #writeControl(frame: Buffer): void {
    // A peer that floods us with frames we must answer, but does not read, would grow this buffer forever.
    if (this.#host.bufferedAmount() > this.limits.maxOutboundControlBytes) {
      throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'peer does not read the frames it asks for');
    }
    this.#host.write(frame);
  }

  #congested(): boolean {
    return this.#host.bufferedAmount() >= this.limits.outboundBufferBytes;
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /**
   * Turn queued response bytes into DATA frames while the connection window,
   * the socket and the scheduler allow, then fire writable events.
   */
  #pump(): void {
    if (this.#pumping || this.#dead) return;
    this.#pumping = true;
    try {
      this.#sendQueued();
      if (this.#writableWaiters.size > 0 && !this.#congested()) {
        this.#fireWritable();
        this.#sendQueued();
        for (const s of this.#writableWaiters) {
          if (s.queue.length === 0 && s.allowance() > 0) {
            this.#schedulePump();
            break;
          }
        }
      }
    } catch (err) {
      this.#fail(err);
    } finally {
      this.#pumping = false;
    }
  }

  #sendQueued(): void {
    while (this.#scheduler.size > 0 && this.connectionWindow.size > 0 && !this.#congested()) {
      this.#sendFrameFrom(this.#scheduler.peek()!);
    }
  }

  /** One DATA frame from `s`: at most min(stream window, connection window, peer's MAX_FRAME_SIZE). */
  #sendFrameFrom(s: H2Stream): void {
    const c = s.queue[0];
    if (!c) return this.#scheduler.remove(s);
    const remaining = c.data.length - c.offset;
    if (remaining === 0) {
      // An empty final write: END_STREAM on an empty DATA frame costs no credit.
      this.#host.write(encode.encodeDataHeader(s.id, 0, true));
      s.queue.shift();
      c.flushed?.();
      c.resolve();
      return this.#sentEnd(s);
    }
    const allowance = Math.min(s.sendWindow.size, this.connectionWindow.size);
    if (allowance <= 0) return this.#scheduler.remove(s); // held until WINDOW_UPDATE on this stream
    const n = Math.min(remaining, allowance, this.#peer.maxFrameSize);
    const last = n === remaining;
    const end = last && c.end;
    this.#host.write(encode.encodeDataHeader(s.id, n, end));
    // Writes complete in order: when the chunk's last frame is flushed, all of it is.
    this.#host.write(c.offset === 0 && last ? c.data : c.data.subarray(c.offset, c.offset + n), last ? c.flushed : undefined);
    s.sendWindow.consume(n);
    s.dataSent += n;
    this.connectionWindow.consume(n);
    c.offset += n;
    if (last) {
      s.queue.shift();
      c.resolve();
      if (end) return this.#sentEnd(s);
    }
    if (s.queue.length === 0) this.#scheduler.remove(s);
    else this.#scheduler.rotate(s);
  }

  #fireWritable(): void {
    const ready: H2Stream[] = [];
    for (const s of this.#writableWaiters) {
      if (!s.localOpen) this.#writableWaiters.delete(s);
      else if (s.queue.length === 0 && s.allowance() > 0) ready.push(s);
    }
    for (const s of ready) {
      this.#writableWaiters.delete(s);
      try {
        s.onWritable?.();
      } catch (err) {
        this.#host.onError?.(err as Error);
        this.resetStream(s, ErrorCode.INTERNAL_ERROR);
      }
    }
  }

  // --- stream lifecycle ---

  #recvEnd(s: H2Stream): void {
    s.recvEnd();
    if (s.state === 'closed') this.#forget(s, ClosedHow.ENDED, null);
  }

  #sentEnd(s: H2Stream): void {
    s.sendEnd();
    if (s.state === 'closed') return this.#forget(s, ClosedHow.ENDED, null);
    // §8.1: the response is complete, the request is not. Its body is discarded, but the stream stays
    // (half-closed local) so the rest of the request is still checked: content-length, trailers, flow
    // control (h2spec http2/8.1/1, 8.1.2.6, 6.9.1/3 expect those errors). Only when the client would
    // need more credit to finish do we ask it to stop (RST_STREAM NO_ERROR, which §8.1 allows).
    s.body?.destroy();
    if (s.recvWindow.available === 0) this.#stopUpload(s);
  }

  /** §8.1: the response is complete; ask the client to stop sending the request (RST_STREAM NO_ERROR). */
  #stopUpload(s: H2Stream): void {
    this.#host.write(encode.encodeRstStream(s.id, ErrorCode.NO_ERROR));
    this.#forget(s, ClosedHow.RESET_SENT, null);
  }

  #streamError(e: H2StreamError): void {
    if (!this.#floods.resets.hit()) throw new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, 'too many stream errors (rapid reset)');
    this.#host.write(encode.encodeRstStream(e.streamId, e.h2Code));
    const s = this.#streams.get(e.streamId);
    if (s) this.#forget(s, ClosedHow.RESET_SENT, s.localOpen ? e : null);
    else this.#remember(e.streamId, ClosedHow.RESET_SENT);
  }

  #forget(s: H2Stream, how: ClosedHow, reason: Error | null): void {
    if (this.#streams.get(s.id) !== s) return;
    this.#streams.delete(s.id);
    this.#scheduler.remove(s);
    this.#writableWaiters.delete(s);
    this.#remember(s.id, how);
    s.close(reason);
    if (this.#streams.size === 0 && !this.#dead) {
      if (this.#goawayLastId >= 0 || this.#peerGoaway) this.#finish();
      else this.#armIdle();
    }
  }

  #remember(id: number, how: ClosedHow): void {
    this.#closed.set(id, how);
    if (this.#closed.size > CLOSED_MEMORY) this.#closed.delete(this.#closed.keys().next().value!);
  }

  /** The application consumed `n` body bytes of `s`: give the credit back (§6.9). */
  #consumed(s: H2Stream, n: number): void {
    if (this.#dead) return;
    if (s.remoteOpen && this.#streams.has(s.id)) {
      const inc = s.recvWindow.release(n);
      if (inc > 0) this.#host.write(encode.encodeWindowUpdate(s.id, inc));
    }
    this.#releaseConnection(n);
  }

  #releaseConnection(n: number): void {
    if (this.#dead) return;
    const inc = this.#connRecv.release(n);
    if (inc > 0) this.#host.write(encode.encodeWindowUpdate(0, inc));
  }

  // --- errors, timers, shutdown ---

  #count(err: H2Error): void {
    this.#bump(err.code);
  }

  #bump(code: string): void {
    this.counters.set(code, (this.counters.get(code) ?? 0) + 1);
  }

  /** Connection error (§5.4.1): GOAWAY with the last stream we processed, then close. */
  #fail(err: unknown): void {
    if (this.#dead) return;
    let e: H2ConnectionError;
    if (err instanceof H2ConnectionError) e = err;
    else {
      this.#host.onError?.(err as Error);
      e = new H2ConnectionError(ErrorCode.INTERNAL_ERROR, 'internal error');
    }
    this.#count(e);
    // §6.8: never raise the last stream id of a GOAWAY already sent (streams above it were ignored).
    this.#host.write(encode.encodeGoaway(this.#goawayLastId >= 0 ? this.#goawayLastId : this.#lastPeerStreamId, e.h2Code, e.message));
    this.#dead = true;
    this.#clearTimers();
    for (const s of [...this.#streams.values()]) this.#forget(s, ClosedHow.ENDED, e);
    this.#host.end();
  }

  #finish(): void {
    if (this.#dead) return;
    this.#dead = true;
    this.#clearTimers();
    this.#host.end();
  }

  #timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  }

  #armIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = this.#timer(this.limits.idleTimeoutMs, () => {
      this.#bump('H2_IDLE_TIMEOUT');
      this.close();
    });
  }

  /** While streams are open (and one sweep after), look every quarter of creditStallTimeoutMs for responses that wait on credit that never comes. */
  #armStallSweep(): void {
    if (this.#stallSweep) return;
    const every = Math.max(10, Math.floor(this.limits.creditStallTimeoutMs / 4));
    this.#stallSweep = setInterval(() => this.#sweepStalls(), every);
    this.#stallSweep.unref();
  }

  #disarmStallSweep(): void {
    if (this.#stallSweep) clearInterval(this.#stallSweep);
    this.#stallSweep = null;
    this.#connStalledSince = 0;
    this.#readStalledSince = 0;
  }

  /**
   * Reap what has waited creditStallTimeoutMs for credit while sending nothing: the
   * connection (GOAWAY) when its window is the one at zero or when the peer has read
   * none of the bytes waiting in the socket, else each such stream (RST_STREAM).
   * All ENHANCE_YOUR_CALM: the peer asked for data and never let it flow.
   */
  #sweepStalls(now = Date.now()): void {
    if (this.#dead) return;
    // Disarmed here, not when the last stream ends: a connection between requests would re-create the timer per request.
    if (this.#streams.size === 0) return this.#disarmStallSweep();
    const limit = this.limits.creditStallTimeoutMs;
    const flushed = this.#host.flushed?.();
    if (flushed === undefined || this.#host.bufferedAmount() === 0) this.#readStalledSince = 0;
    else if (this.#readStalledSince === 0 || flushed !== this.#readStalledAt) {
      this.#readStalledSince = now;
      this.#readStalledAt = flushed;
    } else if (now - this.#readStalledSince >= limit) {
      this.#bump('H2_READ_STALL');
      return this.#fail(new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `peer read nothing for ${limit} ms`));
    }
    let connWaiting = false;
    const reap: H2Stream[] = [];
    for (const s of this.#streams.values()) {
      const wants = s.localOpen && (s.queue.length > 0 || this.#writableWaiters.has(s));
      if (!wants || s.sendWindow.size > 0 && this.connectionWindow.size > 0) {
        s.stalledSince = 0;
        continue;
      }
      if (s.sendWindow.size > 0) connWaiting = true;
      if (s.stalledSince === 0 || s.dataSent !== s.stalledAt) {
        s.stalledSince = now;
        s.stalledAt = s.dataSent;
      } else if (now - s.stalledSince >= limit && s.sendWindow.size <= 0) reap.push(s);
    }
    if (!connWaiting || this.connectionWindow.size > 0) this.#connStalledSince = 0;
    else if (this.#connStalledSince === 0) this.#connStalledSince = now;
    else if (now - this.#connStalledSince >= limit) {
      this.#bump('H2_CREDIT_STALL');
      return this.#fail(new H2ConnectionError(ErrorCode.ENHANCE_YOUR_CALM, `no connection credit for ${limit} ms`));
    }
    for (const s of reap) {
      this.#bump('H2_CREDIT_STALL');
      this.resetStream(s, ErrorCode.ENHANCE_YOUR_CALM);
    }
  }

  #disarmIdle(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  #clearTimers(): void {
    if (this.#settingsTimer) clearTimeout(this.#settingsTimer);
    this.#disarmIdle();
    this.#disarmStallSweep();
    this.#settingsTimer = null;
  }
}

/** `:status` fields by code, built once (a response head is encoded per request). */
const STATUS_FIELDS = new Map<number, readonly [string, string]>();
function statusField(status: number): readonly [string, string] {
  let f = STATUS_FIELDS.get(status);
  if (!f) STATUS_FIELDS.set(status, (f = [':status', String(status)]));
  return f;
}

/** RFC 9218 §4.1: `u=N` in a priority field value; anything unparsable keeps the current urgency. */
function parseUrgency(value: string, current: number): number {
  const m = /(?:^|,)\s*u=([0-7])\s*(?:[,;]|$)/.exec(value);
  return m ? Number(m[1]) : current;
}
