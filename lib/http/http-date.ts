/**
 * The `Date` header value (RFC 9110 §6.6.1, IMF-fixdate), formatted once per
 * second instead of once per response.
 * @module
 */
let cachedSecond = -1;
let cached = '';

export function httpDate(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cached = new Date(second * 1000).toUTCString();
  }
  return cached;
}
