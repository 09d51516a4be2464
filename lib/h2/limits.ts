/**
 * Every HTTP/2 limit: a name, a default and the reason for it. Each is crossed
 * by a test in test/h2/limits.test.ts.
 * @module
 */

export interface H2Settings {
  /** SETTINGS_MAX_CONCURRENT_STREAMS: requests in flight per connection; beyond it REFUSED_STREAM (safe to retry). */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE for request bodies: what one upload may have unread in server memory. */
  initialWindowSize: number;
  /** SETTINGS_MAX_FRAME_SIZE we accept: the default keeps per-frame buffering small. */
  maxFrameSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE (decoded, §6.5.2 accounting): larger requests get 431. */
  maxHeaderListSize: number;
  /** SETTINGS_HEADER_TABLE_SIZE: HPACK decoder memory per connection. */
  headerTableSize: number;
}

export interface H2Limits extends H2Settings {
  /** Connection receive window: large so fast uploads are not throttled (Node's 65,535 default is), bounded so memory is. */
  connectionWindowSize: number;
  /** CONTINUATION frames per header block: a block split into hundreds of tiny frames is an attack (CVE-2024-27316 family). */
  maxContinuationFrames: number;
  /** Length of the interval the flood counters below count over, in ms. */
  floodIntervalMs: number;
  /** Streams the peer resets (or makes us reset) per interval: rapid reset, CVE-2023-44487. */
  maxResetsPerInterval: number;
  /** SETTINGS frames per interval: each costs an ACK and state changes (CVE-2019-9515). */
  maxSettingsPerInterval: number;
  /** PING frames per interval: each costs an ACK (CVE-2019-9512). */
  maxPingsPerInterval: number;
  /** Zero-length DATA frames without END_STREAM per interval: they carry nothing and cost CPU (CVE-2019-9518). */
  maxEmptyDataPerInterval: number;
  /** Close a connection with no open stream after this many ms (frees sockets held by idle clients). */
  idleTimeoutMs: number;
  /**
   * A response that wants to send but has had no credit (stream or connection window at zero)
   * and sent nothing for this many ms is reset with ENHANCE_YOUR_CALM; when the connection
   * window is the one at zero, or the peer reads none of the bytes waiting in the socket, the
   * connection gets GOAWAY ENHANCE_YOUR_CALM and is closed (nginx's send_timeout is the same
   * minute): a peer that lets nothing flow holds descriptors, state and read-ahead.
   */
  creditStallTimeoutMs: number;
  /** The peer must ACK our SETTINGS within this many ms, else SETTINGS_TIMEOUT (§6.5.3). */
  settingsAckTimeoutMs: number;
  /** Stop producing DATA while this many bytes wait in the socket: credit bounds the peer, this bounds us. */
  outboundBufferBytes: number;
  /** Close the connection if control frames we owe pile up past this while the peer does not read (ACK floods). */
  maxOutboundControlBytes: number;
}

export const DEFAULT_H2_LIMITS: Readonly<H2Limits> = Object.freeze({
  maxConcurrentStreams: 100,
  initialWindowSize: 1 << 20,
  maxFrameSize: 16_384,
  maxHeaderListSize: 64 << 10,
  headerTableSize: 4096,
  connectionWindowSize: 16 << 20,
  maxContinuationFrames: 32,
  floodIntervalMs: 1000,
  maxResetsPerInterval: 200,
  maxSettingsPerInterval: 32,
  maxPingsPerInterval: 64,
  maxEmptyDataPerInterval: 64,
  idleTimeoutMs: 120_000,
  creditStallTimeoutMs: 60_000,
  settingsAckTimeoutMs: 10_000,
  outboundBufferBytes: 256 << 10,
  maxOutboundControlBytes: 1 << 20,
});

/** Counts events in fixed intervals; `hit()` is false once an interval's budget is spent. */
export class FloodCounter {
  #count = 0;
  #intervalStart = 0;

  constructor(
    readonly max: number,
    readonly intervalMs: number,
  ) {}

  hit(now = Date.now()): boolean {
    if (now - this.#intervalStart >= this.intervalMs) {
      this.#intervalStart = now;
      this.#count = 0;
    }
    return ++this.#count <= this.max;
  }
}
