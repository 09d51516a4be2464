/**
 * Which stream sends the next DATA frame. Streams are grouped by RFC 9218
 * urgency (0 first); within a group they take turns, one frame each
 * (round-robin), so one large download cannot starve small responses that
 * compete for the same connection window.
 * @module
 */

export interface Schedulable {
  urgency: number;
}

const LEVELS = 8;

export class WriteScheduler<T extends Schedulable> {
  /** A Set keeps insertion order: delete + add moves an entry to the back in O(1). */
  readonly #levels: Array<Set<T>> = Array.from({ length: LEVELS }, () => new Set<T>());
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(s: T): boolean {
    return this.#levels[s.urgency]!.has(s);
  }

  /** Mark `s` ready to send (no-op if it already is). */
  add(s: T): void {
    const level = this.#levels[s.urgency]!;
    if (level.has(s)) return;
    level.add(s);
    this.#size++;
  }

  remove(s: T): void {
    if (this.#levels[s.urgency]!.delete(s)) this.#size--;
  }

  /** The stream whose turn it is, without removing it. */
  peek(): T | undefined {
    if (this.#size === 0) return undefined;
    for (const level of this.#levels) {
      const first = level.values().next();
      if (!first.done) return first.value;
    }
    return undefined;
  }

  /** `s` sent a frame: move it to the back of its group. */
  rotate(s: T): void {
    const level = this.#levels[s.urgency]!;
    if (level.delete(s)) level.add(s);
  }

  /** Change a stream's urgency (PRIORITY_UPDATE / priority header) keeping its readiness. */
  setUrgency(s: T, urgency: number): void {
    const ready = this.has(s);
    if (ready) this.remove(s);
    s.urgency = Math.min(LEVELS - 1, Math.max(0, urgency | 0));
    if (ready) this.add(s);
  }
}
