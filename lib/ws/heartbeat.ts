/**
 * The ping/pong heartbeat of a session (RFC 6455 §5.5.2-3): after
 * `intervalMs` without a byte from the peer, ping; if nothing arrives within
 * `timeoutMs` after that, give up on the peer. Any received byte counts as a
 * sign of life (a peer busy sending is not dead). Timers are unref'd.
 * @module
 */
export interface HeartbeatOptions {
  /** Silence before a ping; 0 disables the heartbeat. */
  intervalMs: number;
  /** Time after a ping before `onTimeout`; 0 waits forever. */
  timeoutMs: number;
  sendPing: () => void;
  onTimeout: () => void;
}

export class Heartbeat {
  readonly #o: HeartbeatOptions;
  #lastRx = Date.now();
  #pingTimer: NodeJS.Timeout | null = null;
  #pongTimer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
  }

  start(): void {
    this.#lastRx = Date.now();
    this.#arm();
  }

  /** The peer sent something. Cheap: no timer churn per chunk. */
  seen(): void {
    this.#lastRx = Date.now();
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
  }

  stop(): void {
    this.#stopped = true;
    for (const t of [this.#pingTimer, this.#pongTimer]) if (t) clearTimeout(t);
    this.#pingTimer = this.#pongTimer = null;
  }

  #arm(): void {
    const interval = this.#o.intervalMs;
    if (interval <= 0 || this.#stopped) return;
    const wait = Math.max(1, this.#lastRx + interval - Date.now());
    this.#pingTimer = setTimeout(() => this.#due(), wait);
    this.#pingTimer.unref();
  }

  #due(): void {
    this.#pingTimer = null;
    if (this.#stopped) return;
    if (Date.now() - this.#lastRx < this.#o.intervalMs) return this.#arm();
    this.#o.sendPing();
    const timeout = this.#o.timeoutMs;
    if (timeout > 0 && this.#pongTimer === null) {
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = null;
        if (!this.#stopped) this.#o.onTimeout();
      }, timeout);
      this.#pongTimer.unref();
    }
    // The next ping is due one interval after this one unless the peer talks.
    this.#lastRx = Date.now();
    this.#arm();
  }
}
