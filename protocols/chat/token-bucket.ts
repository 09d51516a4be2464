/**
 * A token bucket: `burst` tokens, refilled at `ratePerSecond`; each message
 * takes one, and a sender with none waits `msUntilToken()` (its reading
 * paused) instead of being refused. Time comes from an injectable clock so
 * tests need no sleeping.
 * @module
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, burst: number, now: () => number = Date.now) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Take one token; false when the bucket is empty (the caller is over its rate). */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until `take()` can succeed (0: now). The chat waits this long instead of refusing. */
  msUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }

  /** Tokens available now (for tests and logs). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  #refill(): void {
    const t = this.#now();
    if (t <= this.#last) return; // a clock that goes backwards adds nothing
    this.#tokens = Math.min(this.#burst, this.#tokens + ((t - this.#last) / 1000) * this.#rate);
    this.#last = t;
  }
}
