/**
 * The header token table (lws's `WSI_TOKEN_*`): common request and response
 * header names as small integers. A token is already a valid, lowercase field
 * name, so `headerByToken` skips name validation, and HTTP/1 gets its canonical
 * spelling from a table instead of building it per response.
 * @module
 */
import { SluiceError, SluiceErrorCode } from '../errors.js';

const NAMES = [
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'accept-ranges',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-allow-origin',
  'access-control-expose-headers',
  'access-control-max-age',
  'access-control-request-headers',
  'access-control-request-method',
  'age',
  'allow',
  'alt-svc',
  'authorization',
  'cache-control',
  'connection',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-range',
  'content-security-policy',
  'content-type',
  'cookie',
  'date',
  'etag',
  'expect',
  'expires',
  'forwarded',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'keep-alive',
  'last-modified',
  'link',
  'location',
  'origin',
  'pragma',
  'priority',
  'proxy-authenticate',
  'proxy-authorization',
  'range',
  'referer',
  'refresh',
  'retry-after',
  'sec-websocket-accept',
  'sec-websocket-extensions',
  'sec-websocket-key',
  'sec-websocket-protocol',
  'sec-websocket-version',
  'server',
  'set-cookie',
  'strict-transport-security',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'vary',
  'via',
  'www-authenticate',
  'x-content-type-options',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-frame-options',
  'x-request-id',
] as const;

export type TokenName = (typeof NAMES)[number];
type Upper<S extends string> = S extends `${infer A}-${infer B}` ? `${Uppercase<A>}_${Upper<B>}` : Uppercase<S>;

/** `Token.CONTENT_TYPE` etc.: the index of the name in the table. */
export const Token = Object.freeze(Object.fromEntries(NAMES.map((n, i) => [n.toUpperCase().replace(/-/g, '_'), i]))) as {
  readonly [K in TokenName as Upper<K>]: number;
};
export type Token = number;

/** Spellings HTTP/1 peers expect that simple Title-Casing gets wrong. */
const CANONICAL_EXCEPTIONS: Record<string, string> = {
  etag: 'ETag',
  te: 'TE',
  'www-authenticate': 'WWW-Authenticate',
  'sec-websocket-accept': 'Sec-WebSocket-Accept',
  'sec-websocket-extensions': 'Sec-WebSocket-Extensions',
  'sec-websocket-key': 'Sec-WebSocket-Key',
  'sec-websocket-protocol': 'Sec-WebSocket-Protocol',
  'sec-websocket-version': 'Sec-WebSocket-Version',
};

function canonical(name: string): string {
  return CANONICAL_EXCEPTIONS[name] ?? name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

const CANONICAL = NAMES.map(canonical);
const BY_NAME = new Map<string, number>(NAMES.map((n, i) => [n, i]));

export const TOKEN_COUNT = NAMES.length;

function unknown(token: Token): SluiceError {
  return new SluiceError(SluiceErrorCode.INVALID_HEADER, `unknown header token ${token}`);
}

/** Lowercase field name of a token (the HTTP/2 form). Throws on an unknown token. */
export function tokenName(token: Token): TokenName {
  const n = NAMES[token];
  if (n === undefined) throw unknown(token);
  return n;
}

/** Canonical HTTP/1 spelling of a token's name, e.g. `Content-Type`. */
export function tokenCanonicalName(token: Token): string {
  const n = CANONICAL[token];
  if (n === undefined) throw unknown(token);
  return n;
}

/** The token for a lowercase name, if it has one. */
export function tokenOf(lowercaseName: string): Token | undefined {
  return BY_NAME.get(lowercaseName);
}
