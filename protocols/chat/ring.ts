/**
 * A ring of chat messages with one read tail per client (lws's `lws_ring`
 * with per-client tails, as in lws's minimal-ws-server-ring).
 *
 * Every message is stored once, in one slot, and every tail reads that same
 * object: broadcasting to N clients never copies the payload N times.
 *
 * Sequence numbers grow forever (a JS number is exact up to 2^53, centuries at
 * any realistic message rate); slot = seq % size. A tail is the sequence number
 * of the next message its client has not yet been handed.
 *
 * A client that keeps up loses nothing. `full` tells a writer that the next
 * push would overwrite a message some tail has not read yet; the chat waits
 * for room then. If a push overwrites one anyway, that tail has fallen a
 * whole ring behind: `push()` detaches it and returns it to the caller (who
 * closes that client with a close code and a log line). It is never silently
 * moved forward past messages it did not get.
 * @module
 */

/** One client's read position in a {@link MessageRing}. */
export class RingTail<T> {
  readonly #ring: MessageRing<T>;
  /** Sequence number of the next message to read. */
  next: number;
  /** Set when the ring overran this tail; it reads nothing more. */
  overrun = false;
  /** Detached by `removeTail()` or by an overrun. */
  detached = false;

  constructor(ring: MessageRing<T>, next: number) {
    this.#ring = ring;
    this.next = next;
  }

  /** Messages waiting for this tail. */
  get pending(): number {
    return this.detached ? 0 : this.#ring.head - this.next;
  }

  /** The next unread message without consuming it, or undefined. */
  peek(): T | undefined {
    return this.detached ? undefined : this.#ring.at(this.next);
  }

  /** Consume the message returned by `peek()`. */
  advance(): void {
    if (!this.detached && this.next < this.#ring.head) this.next++;
  }

  /** `peek()` + `advance()`. */
  read(): T | undefined {
    const m = this.peek();
    if (m !== undefined) this.next++;
    return m;
  }
}

export class MessageRing<T> {
  readonly size: number;
  readonly #slots: Array<T | undefined>;
  readonly #tails = new Set<RingTail<T>>();
  #head = 0;

  /** @param size how many messages the ring holds (a positive integer). */
  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`ring size must be a positive integer, got ${size}`);
    this.size = size;
    this.#slots = new Array<T | undefined>(size).fill(undefined);
  }

  /** Sequence number the next pushed message gets (= messages pushed so far). */
  get head(): number {
    return this.#head;
  }

  /** Sequence number of the oldest message still held. */
  get oldest(): number {
    return Math.max(0, this.#head - this.size);
  }

  /** Tails currently attached. */
  get tails(): number {
    return this.#tails.size;
  }

  /** The message with sequence number `seq`, if the ring still holds it. */
  at(seq: number): T | undefined {
    if (seq < this.oldest || seq >= this.#head) return undefined;
    return this.#slots[seq % this.size];
  }

  /**
   * A new tail that starts with up to `backlog` of the most recent messages
   * (0: only messages pushed from now on).
   */
  addTail(backlog = 0): RingTail<T> {
    const held = this.#head - this.oldest;
    const start = this.#head - Math.max(0, Math.min(Math.floor(backlog), held));
    const tail = new RingTail<T>(this, start);
    this.#tails.add(tail);
    return tail;
  }

  /** Detach a tail (its client went away). */
  removeTail(tail: RingTail<T>): void {
    tail.detached = true;
    this.#tails.delete(tail);
  }

  /**
   * Store `message` (the same object every tail will read). Returns the tails
   * that had not yet read the message this push overwrote: they are detached,
   * marked `overrun`, and the caller must close their clients.
   */
  push(message: T): Array<RingTail<T>> {
    const overrun: Array<RingTail<T>> = [];
    const evicted = this.#head - this.size; // sequence number of the message being overwritten
    if (evicted >= 0) {
      for (const t of this.#tails) {
        if (t.next <= evicted) {
          t.overrun = true;
          this.removeTail(t);
          overrun.push(t);
        }
      }
    }
    this.#slots[this.#head % this.size] = message;
    this.#head++;
    return overrun;
  }

  /**
   * True when the next push would overwrite a message some tail has not read.
   * The chat then holds the push until a tail moves (see room.ts), so
   * `push()` reporting an overrun is the last line of defence, not the rule.
   */
  get full(): boolean {
    return this.#head - this.slowest() >= this.size;
  }

  /** Smallest unread sequence number over all tails (head if none): how far behind the slowest client is. */
  slowest(): number {
    let min = this.#head;
    for (const t of this.#tails) if (t.next < min) min = t.next;
    return min;
  }
}
