/**
 * The process-wide read-ahead budget: file bytes read from disk that the
 * socket has not taken yet, across every response of every mount. A read
 * takes its size from the budget first and gives it back once the bytes are
 * handed to the socket; when the budget is spent, readers wait their turn in
 * arrival order (no reader jumps the queue, however small its read), so memory
 * stays at the budget whatever the number of connections and streams.
 * @module
 */
import type { Transaction } from '../lib/index.js';

/**
 * Default `read-ahead-budget-bytes` (32 MiB): about 64 responses at full speed (two
 * 256 KiB reads each in flight); past that they take turns instead of memory growing
 * with the number of connections an attacker or a crowd opens.
 * Reads within credit queue for it; reads ahead of credit never queue and may use only
 * half of it (`tryTakeAhead`). A reader whose response dies while it waits is still
 * granted in its turn and gives the bytes straight back.
 */
export const DEFAULT_READ_AHEAD_BUDGET_BYTES = 32 * 1024 * 1024;

export class ReadAheadBudget {
  #free: number;
  readonly #waiters: Array<{ n: number; grant: () => void }> = [];

  #total: number;

  constructor(total: number = DEFAULT_READ_AHEAD_BUDGET_BYTES) {
    if (!(total > 0)) throw new RangeError(`read-ahead budget must be positive, got ${total}`);
    this.#total = total;
    this.#free = total;
  }

  get total(): number {
    return this.#total;
  }

  /** Set the budget's size (the config's `read-ahead-budget-bytes`); bytes in use stay counted. */
  resize(total: number): void {
    if (!(total > 0)) throw new RangeError(`read-ahead budget must be positive, got ${total}`);
    this.#free += total - this.#total;
    this.#total = total;
    this.give(0);
  }

  /** Bytes taken and not given back. */
  get inUse(): number {
    return this.total - this.#free;
  }

  /** Readers waiting for their turn. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Take `n` bytes (at most the whole budget): the granted size at once when the
   * budget has it and nobody waits, else a promise of it, in arrival order.
   */
  take(n: number): number | Promise<number> {
    const want = Math.min(n, this.total);
    if (this.#waiters.length === 0 && want <= this.#free) {
      this.#free -= want;
      return want;
    }
    return new Promise<number>((resolve) => this.#waiters.push({ n: want, grant: () => resolve(want) }));
  }

  /**
   * Take `n` bytes for reading ahead of credit, only if that leaves half the budget free
   * and nobody waits: read-ahead is a convenience and never queues, so responses stalled
   * with read-ahead in hand can hold at most half the budget, and the other half always
   * serves responses that have credit to send it.
   */
  tryTakeAhead(n: number): boolean {
    if (this.#waiters.length > 0 || this.#free - n < this.total / 2) return false;
    this.#free -= n;
    return true;
  }

  /** Give back `n` bytes taken earlier and let waiters in, first come first served. */
  give(n: number): void {
    this.#free = Math.min(this.#total, this.#free + n);
    while (this.#waiters.length > 0 && this.#waiters[0]!.n <= this.#free) {
      const w = this.#waiters.shift()!;
      this.#free -= w.n;
      w.grant();
    }
  }
}

/** The budget every mount handler shares unless its context names another (the config's `read-ahead-budget-bytes`). */
export const processReadAhead = new ReadAheadBudget();

/**
 * Waits for credit (lws SERVER_WRITEABLE through the write API): resolves when the peer's
 * allowance is above zero and the stream's queue is empty, rejects when the exchange dies.
 * One pair of listeners per response, not one per wait.
 */
export function creditWaiter(tx: Transaction): () => Promise<void> {
  let wake: ((err?: Error) => void) | null = null;
  let failed: Error | null = null;
  const fire = (err?: Error): void => {
    const w = wake;
    wake = null;
    w?.(err);
  };
  tx.onWritable(() => fire());
  tx.onAbort((err) => {
    failed = err;
    fire(err);
  });
  return () =>
    new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      wake = (err) => (err ? reject(err) : resolve());
      tx.requestWritable();
    });
}

/**
 * `READ_BUFFER_POOL_BYTES` (8 MiB): idle file-read buffers kept for reuse once the socket has
 * flushed them. A fresh 64–256 KiB buffer per chunk made the garbage collector a fifth of the
 * CPU of h2-large-w16 and halved its throughput; the pool bounds what reuse may keep idle.
 */
export const READ_BUFFER_POOL_BYTES = 8 * 1024 * 1024;
/** Buffer sizes the pool keeps: a read takes the smallest that holds it (larger reads are not pooled). */
const POOL_CLASSES = [16 * 1024, 64 * 1024, 128 * 1024, 256 * 1024];

export class ReadBufferPool {
  readonly #free = new Map<number, Buffer[]>();
  #idle = 0;

  constructor(readonly maxIdleBytes: number = READ_BUFFER_POOL_BYTES) {}

  /** Bytes held idle. */
  get idleBytes(): number {
    return this.#idle;
  }

  /** A buffer of at least `n` bytes (its first `n` are the caller's): a pooled one when there is one. */
  take(n: number): Buffer {
    const size = POOL_CLASSES.find((c) => c >= n);
    if (size === undefined) return Buffer.allocUnsafe(n);
    const list = this.#free.get(size);
    const buf = list?.pop();
    if (buf) {
      this.#idle -= size;
      return buf;
    }
    return Buffer.allocUnsafe(size);
  }

  /** Give back a buffer from take() that nothing references any more (the socket flushed it). */
  give(buf: Buffer): void {
    const size = buf.length;
    if (!POOL_CLASSES.includes(size) || this.#idle + size > this.maxIdleBytes) return; // left to the GC
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(buf);
    this.#idle += size;
  }
}

/** The pool every file body shares. */
export const readBuffers = new ReadBufferPool();
