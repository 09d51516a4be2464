/**
 * The Cache-Control value of a file mount, from lws's mount settings
 * (`cache-max-age`, `cache-reuse`, `cache-revalidate`, `cache-intermediaries`,
 * `cache-no`) plus `cache-immutable`.
 * @module
 */

export interface CacheSettings {
  'cache-max-age'?: number | undefined;
  'cache-reuse'?: boolean | undefined;
  'cache-revalidate'?: boolean | undefined;
  'cache-intermediaries'?: boolean | undefined;
  'cache-no'?: boolean | undefined;
  'cache-immutable'?: boolean | undefined;
}

/** max-age implied by `cache-immutable` alone: one year, the customary "forever" (RFC 8246 §2). */
const IMMUTABLE_MAX_AGE = 31_536_000;

/**
 * - `cache-no`, or `cache-reuse: false`: `no-store` (lws's "uncacheable");
 * - `cache-max-age: N` (reuse defaults to true once an age is given):
 *   `private|public, max-age=N` (`public` when `cache-intermediaries`), `must-revalidate`
 *   with `cache-revalidate`, `immutable` with `cache-immutable`;
 * - `cache-immutable` without an age: as above with a one-year max-age;
 * - nothing set: `no-cache`. Unlike lws's default `no-store`, this lets clients keep
 *   the file and revalidate it with the strong ETag, a cheap 304.
 */
export function cacheControlFor(s: CacheSettings): string {
  if (s['cache-no'] || s['cache-reuse'] === false) return 'no-store';
  const age = s['cache-max-age'] ?? (s['cache-immutable'] ? IMMUTABLE_MAX_AGE : undefined);
  if (age === undefined) return s['cache-intermediaries'] ? 'public, no-cache' : 'no-cache';
  const parts = [s['cache-intermediaries'] ? 'public' : 'private', `max-age=${Math.max(0, Math.floor(age))}`];
  if (s['cache-revalidate']) parts.push('must-revalidate');
  if (s['cache-immutable']) parts.push('immutable');
  return parts.join(', ');
}
