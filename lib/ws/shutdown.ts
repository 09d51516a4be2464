/**
 * One 'abort' listener per shutdown signal, however many sessions wait on
 * it: thousands of sessions on one server-wide AbortSignal must neither
 * trip Node's listener-leak warning nor stay referenced after they end.
 * @module
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/** Run `fn` when `signal` aborts (at once if it already has). Returns the unsubscribe. */
export function onShutdown(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let set = waiting.get(signal);
  if (set === undefined) {
    const fns = new Set<() => void>();
    set = fns;
    waiting.set(signal, fns);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const f of [...fns]) f();
      },
      { once: true },
    );
  }
  set.add(fn);
  const s = set;
  return () => void s.delete(fn);
}
