/**
 * Flow-control windows (RFC 9113 §5.2, §6.9) as plain numbers: no sockets,
 * timers or events, so every rule is testable as a table.
 *
 * Send side: what the peer allows us to send. A stream may send
 * min(stream window, connection window) octets of DATA; both shrink by what we send.
 * Receive side: what we allow the peer to send; we grow it back (WINDOW_UPDATE)
 * only as the application consumes the bytes, so a slow reader slows the sender.
 * @module
 */
import { MAX_WINDOW_SIZE } from './frame/constants.js';

/**
 * Our credit to send on one stream or on the connection.
 *
 * The size may be negative: when the peer lowers SETTINGS_INITIAL_WINDOW_SIZE,
 * every stream window drops by the difference even if we already used more than
 * the new size (§6.9.2). We then wait until WINDOW_UPDATEs bring it above zero.
 */
export class SendWindow {
  #size: number;

  constructor(initial: number) {
    this.#size = initial;
  }

  get size(): number {
    return this.#size;
  }

  /** WINDOW_UPDATE received. Returns false when the window would exceed 2^31-1 (FLOW_CONTROL_ERROR, §6.9.1). */
  increase(increment: number): boolean {
    if (this.#size + increment > MAX_WINDOW_SIZE) return false;
    this.#size += increment;
    return true;
  }

  /** SETTINGS_INITIAL_WINDOW_SIZE changed by `delta` (may be negative). Returns false on overflow (§6.9.2). */
  shift(delta: number): boolean {
    if (this.#size + delta > MAX_WINDOW_SIZE) return false;
    this.#size += delta;
    return true;
  }

  /** We sent `n` octets of DATA. Callers never send more than `available`. */
  consume(n: number): void {
    if (n > this.#size) throw new RangeError(`flow-control bug: sending ${n} octets with a window of ${this.#size}`);
    this.#size -= n;
  }
}

/** Octets a stream may send now: the smaller of its window and the connection's, never negative. */
export function sendAllowance(stream: SendWindow, connection: SendWindow): number {
  return Math.max(0, Math.min(stream.size, connection.size));
}

/**
 * Our receive window on one stream or the connection.
 *
 * `available` is what the peer may still send. Bytes the application has consumed
 * but we have not yet announced accumulate in `unsent`; announcing every few bytes
 * would flood the peer with WINDOW_UPDATEs, announcing too late would stall it,
 * so we announce once a sixteenth of the target (at least 4 KiB) is pending, or as
 * soon as the pending amount reaches what the peer still has (it is half-way to a stall).
 */
export class ReceiveWindow {
  #available: number;
  #unsent = 0;

  /** `target` is the window we want the peer to see; `initial` what it sees now. */
  constructor(
    readonly target: number,
    initial = target,
  ) {
    this.#available = initial;
  }

  get available(): number {
    return this.#available;
  }

  /** The peer sent `n` flow-controlled octets. Returns false if that exceeds our window (FLOW_CONTROL_ERROR). */
  receive(n: number): boolean {
    if (n > this.#available) return false;
    this.#available -= n;
    return true;
  }

  /**
   * The application consumed `n` octets. Returns the WINDOW_UPDATE increment to send now,
   * or 0 to keep accumulating.
   */
  release(n: number): number {
    this.#unsent += n;
    const threshold = Math.max(4096, this.target >>> 4);
    if (this.#unsent < threshold && this.#unsent < this.#available) return 0;
    return this.#flush();
  }

  /** Announce everything pending now (e.g. the initial raise of the connection window). */
  grow(n: number): number {
    this.#unsent += n;
    return this.#flush();
  }

  #flush(): number {
    const inc = Math.min(this.#unsent, MAX_WINDOW_SIZE - this.#available);
    this.#available += inc;
    this.#unsent -= inc;
    return inc;
  }
}
