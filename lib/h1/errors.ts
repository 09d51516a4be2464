/**
 * Errors of the HTTP/1.1 request parser. Every rejection has a stable string
 * code (for logs, metrics and tests) and the status the server answers with
 * before it closes the connection: after a framing or syntax error the byte
 * stream can no longer be trusted to find the next request (RFC 9112 §2.2).
 * @module
 */

/** kind → [stable code, HTTP status]. Codes never change once released. */
export const H1_ERRORS = {
  BARE_CR: ['SLUICE_ERR_H1_BARE_CR', 400],
  LONE_LF: ['SLUICE_ERR_H1_LONE_LF', 400],
  TOO_MANY_EMPTY_LINES: ['SLUICE_ERR_H1_TOO_MANY_EMPTY_LINES', 400],
  INVALID_REQUEST_LINE: ['SLUICE_ERR_H1_INVALID_REQUEST_LINE', 400],
  INVALID_METHOD: ['SLUICE_ERR_H1_INVALID_METHOD', 400],
  INVALID_TARGET: ['SLUICE_ERR_H1_INVALID_TARGET', 400],
  TARGET_FORM: ['SLUICE_ERR_H1_TARGET_FORM', 400],
  URI_TOO_LONG: ['SLUICE_ERR_H1_URI_TOO_LONG', 414],
  INVALID_VERSION: ['SLUICE_ERR_H1_INVALID_VERSION', 400],
  VERSION_NOT_SUPPORTED: ['SLUICE_ERR_H1_VERSION_NOT_SUPPORTED', 505],
  HEADER_TOO_LARGE: ['SLUICE_ERR_H1_HEADER_TOO_LARGE', 431],
  TOO_MANY_HEADERS: ['SLUICE_ERR_H1_TOO_MANY_HEADERS', 431],
  OBS_FOLD: ['SLUICE_ERR_H1_OBS_FOLD', 400],
  INVALID_HEADER_NAME: ['SLUICE_ERR_H1_INVALID_HEADER_NAME', 400],
  SPACE_BEFORE_COLON: ['SLUICE_ERR_H1_SPACE_BEFORE_COLON', 400],
  INVALID_HEADER_VALUE: ['SLUICE_ERR_H1_INVALID_HEADER_VALUE', 400],
  MISSING_HOST: ['SLUICE_ERR_H1_MISSING_HOST', 400],
  DUPLICATE_HOST: ['SLUICE_ERR_H1_DUPLICATE_HOST', 400],
  INVALID_HOST: ['SLUICE_ERR_H1_INVALID_HOST', 400],
  INVALID_CONTENT_LENGTH: ['SLUICE_ERR_H1_INVALID_CONTENT_LENGTH', 400],
  CONFLICTING_CONTENT_LENGTH: ['SLUICE_ERR_H1_CONFLICTING_CONTENT_LENGTH', 400],
  CL_TE: ['SLUICE_ERR_H1_CL_TE', 400],
  TE_HTTP10: ['SLUICE_ERR_H1_TE_HTTP10', 400],
  INVALID_TRANSFER_ENCODING: ['SLUICE_ERR_H1_INVALID_TRANSFER_ENCODING', 400],
  UNSUPPORTED_TRANSFER_CODING: ['SLUICE_ERR_H1_UNSUPPORTED_TRANSFER_CODING', 501],
  INVALID_CHUNK_SIZE: ['SLUICE_ERR_H1_INVALID_CHUNK_SIZE', 400],
  INVALID_CHUNK_EXTENSION: ['SLUICE_ERR_H1_INVALID_CHUNK_EXTENSION', 400],
  CHUNK_EXTENSION_TOO_LARGE: ['SLUICE_ERR_H1_CHUNK_EXTENSION_TOO_LARGE', 400],
  MISSING_CHUNK_CRLF: ['SLUICE_ERR_H1_MISSING_CHUNK_CRLF', 400],
  TRAILER_TOO_LARGE: ['SLUICE_ERR_H1_TRAILER_TOO_LARGE', 431],
  EXPECTATION_FAILED: ['SLUICE_ERR_H1_EXPECTATION_FAILED', 417],
} as const satisfies Record<string, readonly [string, number]>;

export type H1ErrorKind = keyof typeof H1_ERRORS;

/** The request cannot be served: answer with `status`, then close the connection. */
export class H1ParseError extends Error {
  override readonly name = 'H1ParseError';
  readonly code: string;
  readonly status: number;
  readonly kind: H1ErrorKind;
  constructor(kind: H1ErrorKind, message: string) {
    super(message);
    this.kind = kind;
    this.code = H1_ERRORS[kind][0];
    this.status = H1_ERRORS[kind][1];
  }
}
