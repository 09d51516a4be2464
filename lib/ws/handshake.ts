/**
 * The WebSocket opening handshake, as pure functions over the request view:
 * HTTP/1.1 Upgrade (RFC 6455 §4.2) and HTTP/2 extended CONNECT (RFC 8441 §4-5),
 * subprotocol selection (§4.2.2 step 5.5 / §11.3.4) and the accept hash.
 * Every refusal is a status, headers and a plain-text body saying why.
 * @module
 */
import { createHash } from 'node:crypto';

/** RFC 6455 §1.3: appended to the client's key before hashing. */
export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The only version this server speaks (RFC 6455 §4.1, §4.4). */
export const WS_VERSION = '13';

/** The parts of the request the handshake reads (a structural subset of lib/http Request). */
export interface HandshakeRequest {
  readonly method: string;
  readonly httpVersion: string;
  readonly upgradeProtocol: string | null;
  header(name: string): string | undefined;
}

export interface HandshakeRefusal {
  readonly ok: false;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Plain text, one line, for the peer and the logs. */
  readonly body: string;
}

export interface ValidHandshake {
  readonly ok: true;
  readonly transport: 'h1' | 'h2';
  /** The Sec-WebSocket-Key (h1 only; RFC 8441 has none). */
  readonly key: string | null;
  /** Subprotocols the client offered, in its order of preference. */
  readonly offeredProtocols: string[];
  /** The raw Sec-WebSocket-Extensions offer, if any. */
  readonly extensions: string | undefined;
}

/** RFC 9110 §5.6.2 token (RFC 6455 §4.1 requires subprotocols to be tokens). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** base64 of exactly 16 octets: 22 significant characters and '=='. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

export function refuse(status: number, body: string, headers: Record<string, string> = {}): HandshakeRefusal {
  return { ok: false, status, headers, body };
}

/** A comma-separated header as lowercase tokens. */
function tokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
}

/**
 * Whether the request asks for a WebSocket at all: an HTTP/1 `Upgrade: websocket`,
 * or an HTTP/2 extended CONNECT with `:protocol websocket`. Anything else
 * belongs to the HTTP handler.
 */
export function isWebSocketRequest(req: HandshakeRequest): boolean {
  if (req.httpVersion === '2') return req.method === 'CONNECT' && req.upgradeProtocol?.toLowerCase() === 'websocket';
  return tokens(req.header('upgrade')).includes('websocket');
}

/** Sec-WebSocket-Accept for a client key (RFC 6455 §4.2.2 step 5.4). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/**
 * Parse Sec-WebSocket-Protocol: tokens in the client's order. Returns an error
 * string for a value that is not a list of distinct tokens.
 */
export function parseSubprotocols(value: string | undefined): string[] | string {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const t = raw.trim();
    if (!TOKEN.test(t)) return `invalid Sec-WebSocket-Protocol: ${JSON.stringify(t)} is not a token`;
    if (out.includes(t)) return `invalid Sec-WebSocket-Protocol: ${t} offered twice`;
    out.push(t);
  }
  return out;
}

/** Validate the opening handshake (RFC 6455 §4.2.1 on h1, RFC 8441 §4-5 on h2). Call only when isWebSocketRequest(). */
export function validateHandshake(req: HandshakeRequest): ValidHandshake | HandshakeRefusal {
  const h2 = req.httpVersion === '2';
  if (!h2) {
    // §4.2.1 (1): "An HTTP/1.1 or higher GET request".
    if (req.method !== 'GET') return refuse(400, `WebSocket handshake must use GET, not ${req.method}`);
    if (req.httpVersion !== '1.1') return refuse(400, `WebSocket handshake needs HTTP/1.1, got HTTP/${req.httpVersion}`);
    // §4.2.1 (4): Connection must include the "Upgrade" token.
    if (!tokens(req.header('connection')).includes('upgrade')) return refuse(400, 'WebSocket handshake needs "Connection: Upgrade"');
  }
  // §4.2.2 step 4 / RFC 8441 §5: an unknown version gets 426 and the versions we speak.
  const version = req.header('sec-websocket-version')?.trim();
  if (version !== WS_VERSION) {
    return refuse(426, `unsupported Sec-WebSocket-Version ${version === undefined ? '(missing)' : JSON.stringify(version)}; this server speaks 13`, {
      'sec-websocket-version': WS_VERSION,
    });
  }
  let key: string | null = null;
  if (!h2) {
    // §4.2.1 (5): a base64-encoded 16-byte value.
    const k = req.header('sec-websocket-key')?.trim();
    if (k === undefined) return refuse(400, 'missing Sec-WebSocket-Key');
    if (!KEY.test(k)) return refuse(400, 'invalid Sec-WebSocket-Key: must be 16 bytes in base64');
    key = k;
  }
  const offered = parseSubprotocols(req.header('sec-websocket-protocol'));
  if (typeof offered === 'string') return refuse(400, offered);
  return { ok: true, transport: h2 ? 'h2' : 'h1', key, offeredProtocols: offered, extensions: req.header('sec-websocket-extensions') };
}

export interface SubprotocolChoice {
  /** The protocol that will serve the session. */
  readonly name: string;
  /** The value for Sec-WebSocket-Protocol in the response, or null when none is echoed (the default was chosen). */
  readonly echo: string | null;
}

/**
 * Pick the protocol: the first the client offered that is enabled here, in
 * the client's order of preference; else the default protocol, without
 * echoing a subprotocol (RFC 6455 §4.1 lets the client go on with "no
 * subprotocol", as lwsws does). With no match and no default the request is
 * refused with 400 and a body naming what is available: a request we cannot
 * serve is a client error, and 400 is what RFC 6455 §4.2.2 uses for refusals.
 */
export function selectSubprotocol(offered: readonly string[], available: readonly string[], defaultName: string | null): SubprotocolChoice | HandshakeRefusal {
  for (const name of offered) if (available.includes(name)) return { name, echo: name };
  if (defaultName !== null) return { name: defaultName, echo: null };
  const list = available.length > 0 ? available.join(', ') : '(none)';
  if (offered.length === 0) return refuse(400, `this endpoint needs a WebSocket subprotocol (Sec-WebSocket-Protocol); available: ${list}`);
  return refuse(400, `none of the offered WebSocket subprotocols (${offered.join(', ')}) is served here; available: ${list}`);
}

/** Response fields of an accepted handshake (tx.tunnel adds Connection: Upgrade on h1). */
export function acceptFields(hs: ValidHandshake, choice: SubprotocolChoice, extensions: string | null): Record<string, string> {
  const fields: Record<string, string> = {};
  if (hs.transport === 'h1') {
    fields['upgrade'] = 'websocket';
    fields['sec-websocket-accept'] = acceptKey(hs.key ?? '');
  }
  if (choice.echo !== null) fields['sec-websocket-protocol'] = choice.echo;
  if (extensions !== null) fields['sec-websocket-extensions'] = extensions;
  return fields;
}
