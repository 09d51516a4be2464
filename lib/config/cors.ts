/**
 * Permissive CORS for a vhost (`--cors`, `"cors": true`): every response
 * carries `Access-Control-Allow-Origin: *` (added through the vhost's response
 * headers), and a preflight (`OPTIONS` with `Access-Control-Request-Method`,
 * Fetch standard §3.2.2) is answered here with 204 before any mount sees it.
 * @module
 */
import type { Handler, HeaderList, Transaction } from '../index.js';

/** Methods a preflight allows. */
export const CORS_ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
/** How long a browser may cache a preflight answer: one day (browsers cap it lower; Chromium at 2 h). */
export const CORS_MAX_AGE_S = 86_400;

/** Headers every response of a CORS vhost carries. */
export const CORS_RESPONSE_HEADERS: HeaderList = [['access-control-allow-origin', '*']];

export function isPreflight(tx: Transaction): boolean {
  const r = tx.request;
  return r.method === 'OPTIONS' && r.header('origin') !== undefined && r.header('access-control-request-method') !== undefined;
}

export function withCors(handler: Handler): Handler {
  return (tx: Transaction) => {
    if (!isPreflight(tx)) return handler(tx);
    const requested = tx.request.header('access-control-request-headers');
    return tx.respond(204, {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': CORS_ALLOW_METHODS,
      // Echo what the page asked for: `*` is not honoured for Authorization (Fetch §3.2.5).
      'access-control-allow-headers': requested && /^[\w\s,!#$%&'*+.^`|~-]*$/.test(requested) ? requested : '*',
      'access-control-max-age': CORS_MAX_AGE_S,
      vary: 'Access-Control-Request-Headers',
    });
  };
}
