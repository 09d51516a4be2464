/**
 * One chat room (per vhost and protocol): the ring, its readers, and the
 * messages waiting for room. Pure of sockets: the protocol (chat-protocol.ts)
 * wires it to sessions; tests drive it with a fake clock.
 *
 * Pacing instead of punishing (the flow-control contract in DESIGN.md):
 * - A message is pushed only when the ring has room for it, i.e. when no
 *   reader still needs the slot it would overwrite. Otherwise it waits, in
 *   arrival order, and its sender reads nothing meanwhile (the ws layer waits
 *   for `receive`, so the sender's socket pauses / its h2 window closes).
 *   Every slot a reader frees admits the next waiting message.
 * - A reader that holds the oldest message while messages wait, and whose
 *   transport took nothing for `laggardTimeoutMs`, has stopped reading: it is
 *   handed to `onLaggard` (the chat closes it with 1008), so one stopped
 *   client cannot stall the room for long. A reader that is only slow keeps
 *   making progress and is never closed.
 *
 * Progress costs one increment per delivered message on the hot path; the
 * clock is read only by the laggard check, which runs only while messages
 * wait (every eighth of the timeout, so a stopped reader is closed within
 * 1.125 × laggardTimeoutMs of the room filling up).
 * @module
 */
import { MessageRing, type RingTail } from './ring.js';

/** A reader of the room: one client's tail plus how far its transport got. */
export class ChatReader<M> {
  readonly tail: RingTail<Buffer>;
  readonly member: M;
  /** Messages this reader's transport has taken; the protocol counts each settled send. */
  progress = 0;
  /** `progress` when the laggard check last looked, and when it last saw it move. */
  seenProgress = 0;
  idleSince: number;

  constructor(tail: RingTail<Buffer>, member: M, now: number) {
    this.tail = tail;
    this.member = member;
    this.idleSince = now;
  }
}

/** Why a reader was found to have stopped. */
export interface LaggardInfo {
  /** Messages it had not been handed yet. */
  readonly behind: number;
  /** How long it made no progress while messages waited, in ms. */
  readonly idleMs: number;
  /** Messages waiting for room when it was closed. */
  readonly waiting: number;
}

export interface RoomOptions<M> {
  ringSize: number;
  /** Infinity: never close a reader here (the ws layer's send-stall timeout still drops a dead peer). */
  laggardTimeoutMs: number;
  now: () => number;
  /** Messages were pushed: readers should be woken (ctx.requestWritableAll()). */
  onPush: () => void;
  /** A reader stopped (see the module comment); it has already left the room. */
  onLaggard: (member: M, info: LaggardInfo) => void;
}

/** What the room holds now (for tests, logs and a status page). */
export interface RoomStats {
  readers: number;
  /** Messages held for the slowest reader (head - slowest tail). */
  held: number;
  /** Bytes of the messages the ring holds. */
  heldBytes: number;
  /** Messages waiting for room (at most one per sender). */
  waiting: number;
  /** Bytes of those messages. */
  waitingBytes: number;
  /** Readers closed as laggards since the room was created. */
  laggardsClosed: number;
}

interface Waiting {
  readonly data: Buffer;
  readonly admitted: () => void;
}

export class ChatRoom<M> {
  readonly ring: MessageRing<Buffer>;
  readonly #o: RoomOptions<M>;
  readonly #readers = new Map<RingTail<Buffer>, ChatReader<M>>();
  #waiting: Waiting[] = [];
  #waitingSince = 0;
  #timer: NodeJS.Timeout | null = null;
  #laggardsClosed = 0;

  constructor(options: RoomOptions<M>) {
    this.#o = options;
    this.ring = new MessageRing<Buffer>(options.ringSize);
  }

  /** A new reader that starts with up to `backlog` recent messages. */
  join(member: M, backlog = 0): ChatReader<M> {
    const reader = new ChatReader(this.ring.addTail(backlog), member, this.#o.now());
    this.#readers.set(reader.tail, reader);
    return reader;
  }

  /** The reader is gone; what it held back is free. Idempotent. */
  leave(reader: ChatReader<M>): void {
    if (!this.#readers.delete(reader.tail)) return;
    this.ring.removeTail(reader.tail);
    this.#admit();
  }

  /**
   * Store a message for every reader. Returns undefined when it was pushed at
   * once, or a promise that resolves when it was (the ring was full, or
   * earlier messages wait: arrival order is kept).
   */
  publish(data: Buffer): Promise<void> | undefined {
    if (this.#waiting.length === 0 && !this.ring.full) {
      this.#push(data);
      this.#o.onPush();
      return undefined;
    }
    if (this.#waiting.length === 0) this.#startWaiting();
    return new Promise((admitted) => this.#waiting.push({ data, admitted }));
  }

  /**
   * The reader's tail moved from `from`: if it held the oldest message while
   * messages wait, a slot may be free now.
   */
  advanced(reader: ChatReader<M>, from: number): void {
    if (this.#waiting.length > 0 && from <= this.ring.head - this.ring.size && reader.tail.next > from) this.#admit();
  }

  /** Messages waiting for room. */
  get waiting(): number {
    return this.#waiting.length;
  }

  stats(): RoomStats {
    let heldBytes = 0;
    for (let seq = this.ring.oldest; seq < this.ring.head; seq++) heldBytes += this.ring.at(seq)?.length ?? 0;
    let waitingBytes = 0;
    for (const w of this.#waiting) waitingBytes += w.data.length;
    return {
      readers: this.#readers.size,
      held: this.ring.head - this.ring.slowest(),
      heldBytes,
      waiting: this.#waiting.length,
      waitingBytes,
      laggardsClosed: this.#laggardsClosed,
    };
  }

  /** The room is torn down: waiting messages are dropped (their senders are being closed), timers stop. */
  close(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    this.#stopWaiting();
    for (const w of waiting) w.admitted();
  }

  /**
   * Look for readers that stopped (exposed for tests with a fake clock; a
   * timer runs it while messages wait).
   */
  checkLaggards(): void {
    if (this.#waiting.length === 0) return;
    const now = this.#o.now();
    const timeout = this.#o.laggardTimeoutMs;
    const evicting = this.ring.head - this.ring.size; // the message the next push would overwrite
    for (const r of [...this.#readers.values()]) {
      if (r.progress !== r.seenProgress) {
        r.seenProgress = r.progress;
        r.idleSince = now;
      }
      if (r.tail.next > evicting) continue; // not holding the oldest message
      const idleMs = now - Math.max(r.idleSince, this.#waitingSince);
      if (idleMs < timeout) continue;
      this.#laggardsClosed++;
      const info: LaggardInfo = { behind: this.ring.head - r.tail.next, idleMs, waiting: this.#waiting.length };
      this.leave(r);
      this.#o.onLaggard(r.member, info);
    }
  }

  #push(data: Buffer): void {
    // Never overruns: pushes happen only when the ring is not full (the tails are all ours).
    this.ring.push(data);
  }

  #admit(): void {
    let pushed = false;
    while (this.#waiting.length > 0 && !this.ring.full) {
      const w = this.#waiting.shift() as Waiting;
      this.#push(w.data);
      pushed = true;
      w.admitted();
    }
    if (this.#waiting.length === 0) this.#stopWaiting();
    if (pushed) this.#o.onPush();
  }

  #startWaiting(): void {
    this.#waitingSince = this.#o.now();
    // Idle time counts from now; progress made from here on is what the check looks for.
    for (const r of this.#readers.values()) r.seenProgress = r.progress;
    if (!Number.isFinite(this.#o.laggardTimeoutMs)) return; // laggards are left to the ws layer's send-stall timeout
    const every = Math.max(1, Math.floor(this.#o.laggardTimeoutMs / 8));
    this.#timer = setInterval(() => this.checkLaggards(), every);
    this.#timer.unref();
  }

  #stopWaiting(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
