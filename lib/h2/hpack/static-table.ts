/**
 * The HPACK static table (RFC 7541 §2.3.1, Appendix A): 61 fixed entries,
 * indices 1..61, with lookups from name and from name + value.
 * @module
 */

/** Number of static entries; dynamic indices start right after (§2.3.3). */
export const STATIC_TABLE_LENGTH = 61;

/** Appendix A, in index order (entry i is at position i - 1). */
const ENTRIES: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/** Names by index; slot 0 is unused so that `STATIC_NAMES[i]` is entry i. */
export const STATIC_NAMES: readonly string[] = ['', ...ENTRIES.map((e) => e[0])];
/** Values by index; slot 0 is unused. */
export const STATIC_VALUES: readonly string[] = ['', ...ENTRIES.map((e) => e[1])];

/** What the static table knows about one name: the encoder needs both answers from a single lookup. */
export interface StaticName {
  /** Lowest index with this name (the name-reference to use). */
  readonly index: number;
  /** Index of each (name, value) entry, by value. */
  readonly values: ReadonlyMap<string, number>;
}

/** name → its static entries. */
export const STATIC_BY_NAME: ReadonlyMap<string, StaticName> = (() => {
  const map = new Map<string, { index: number; values: Map<string, number> }>();
  ENTRIES.forEach(([name, value], i) => {
    let slot = map.get(name);
    if (!slot) map.set(name, (slot = { index: i + 1, values: new Map() }));
    slot.values.set(value, i + 1);
  });
  return map;
})();

/** Lowest static index with this name, or 0. */
export function staticNameIndex(name: string): number {
  return STATIC_BY_NAME.get(name)?.index ?? 0;
}

/** Static index of exactly (name, value), or 0. */
export function staticFieldIndex(name: string, value: string): number {
  return STATIC_BY_NAME.get(name)?.values.get(value) ?? 0;
}
