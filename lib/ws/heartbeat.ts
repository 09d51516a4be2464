/**
 * The ping/pong heartbeat of a session (RFC 6455 §5.5.2-3): after
 * `intervalMs` without a byte from the peer, ping; if nothing arrives within
 * `timeoutMs` after the ping went out, give up on the peer. The wait starts
 * when the ping is handed to the transport, not when it is queued, so a slow
 * but reading peer behind a large message is not mistaken for a dead one.
 * Any received byte counts as a sign of life. Timers are unref'd.
 * @module
 */
export interface HeartbeatOptions {
  /** Silence before a ping; 0 disables the heartbeat. */
  intervalMs: number;
  /** Time after a ping before `onTimeout`; 0 waits forever. */
  timeoutMs: number;
  /** Queue a ping; resolves when it is handed to the transport. */
  sendPing: () => Promise<void>;
  onTimeout: () => void;
}

export class Heartbeat {
  readonly #o: HeartbeatOptions;
  #lastRx = Date.now();
  /** When the peer last sent anything (#lastRx also moves when we ping). */
  #lastSeen = 0;
  #pingTimer: NodeJS.Timeout | null = null;
  #pongTimer: NodeJS.Timeout | null = null;
  #stopped = false;
  #pingQueued = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
  }

  /** (Re)start from now: the next ping is due one interval later. */
  start(): void {
    this.suspend();
    this.#lastRx = Date.now();
    this.#arm();
  }

  /** Hold the timers while the session does not read (a pong could not be seen); `start()` resumes. */
  suspend(): void {
    for (const t of [this.#pingTimer, this.#pongTimer]) if (t) clearTimeout(t);
    this.#pingTimer = this.#pongTimer = null;
  }

  /** The peer sent something. Cheap: no timer churn per chunk. */
  seen(): void {
    this.#lastRx = this.#lastSeen = Date.now();
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
  }

  stop(): void {
    this.#stopped = true;
    this.suspend();
  }

  #arm(): void {
    const interval = this.#o.intervalMs;
    if (interval <= 0 || this.#stopped) return;
    const wait = Math.max(1, this.#lastRx + interval - Date.now());
    this.#pingTimer = setTimeout(() => this.#due(), wait);
    this.#pingTimer.unref();
  }

  /** The ping is out: the peer has `timeoutMs` to show a sign of life. */
  #awaitPong(sentAt: number): void {
    const timeout = this.#o.timeoutMs;
    if (this.#stopped || timeout <= 0 || this.#pongTimer !== null) return;
    if (this.#lastSeen > sentAt) return; // the peer already talked
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = null;
      if (!this.#stopped) this.#o.onTimeout();
    }, timeout);
    this.#pongTimer.unref();
  }

  #due(): void {
    this.#pingTimer = null;
    if (this.#stopped) return;
    if (Date.now() - this.#lastRx < this.#o.intervalMs) return this.#arm();
    if (!this.#pingQueued && this.#pongTimer === null) {
      // One ping at a time: a ping stuck behind a slow transfer is not joined by more.
      this.#pingQueued = true;
      const queuedAt = Date.now();
      this.#o.sendPing().then(
        () => {
          this.#pingQueued = false;
          this.#awaitPong(queuedAt);
        },
        () => (this.#pingQueued = false),
      );
    }
    // The next ping is due one interval after this one unless the peer talks.
    this.#lastRx = Date.now();
    this.#arm();
  }
}
