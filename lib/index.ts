/**
 * Sluice: an HTTP/2 + HTTP/1.1 server toolkit in which no byte leaves the
 * server unless the peer has granted credit for it.
 * @module
 */
export { ConnectionGate, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './server/connection-limits.js';
export { createServer, SluiceServer, type Handler, type ServerOptions, type TlsOptions, type VhostOptions } from './server/server.js';
export { Transaction, type Framer, type ResponseBackend, type TransactionOptions } from './http/transaction.js';
export { Request, type HttpVersion } from './http/request.js';
export { RequestBody, type HeaderList } from './http/request-body.js';
export { Token, tokenName, tokenCanonicalName, tokenOf } from './http/tokens.js';
export { WriteMode, NO_LIMIT } from './http/write-mode.js';
export { SluiceError, SluiceErrorCode, isStreamClosed } from './errors.js';
export { DEFAULT_H2_LIMITS, type H2Limits } from './h2/limits.js';
export { ErrorCode as H2ErrorCode, H2ConnectionError, H2StreamError } from './h2/errors.js';
