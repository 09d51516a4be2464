/**
 * Access log in the combined log format (Apache/nginx `combined`), one line
 * per finished response:
 *
 * `127.0.0.1 - - [01/Dec/2026:21:05:13 +0000] "GET /a.css HTTP/2.0" 200 1234 "-" "curl/8.5.0"`
 *
 * A line is written when the response ends (its last byte handed to the
 * socket), when a header-only response is finalized, or when the exchange is
 * aborted (with the bytes that made it). A WebSocket tunnel is logged when it
 * closes, with status 101 (HTTP/1.1) or 200 (HTTP/2) and the payload bytes sent.
 * @module
 */
import type { Handler, Transaction } from '../index.js';

export type LogSink = (line: string) => void;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `[10/Oct/2000:13:55:36 +0000]`, always in UTC. */
export function clfTime(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

/** Escape a value for a quoted log field the way Apache does: `"` and `\` escaped, control bytes as \xhh. */
export function escapeField(s: string): string {
  return s.replace(/[\\"\x00-\x1f\x7f]/g, (c) => (c === '"' || c === '\\' ? `\\${c}` : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function basicUser(authorization: string | undefined): string {
  const m = authorization ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
  if (!m?.[1]) return '-';
  const user = Buffer.from(m[1], 'base64').toString('utf8').split(':')[0] ?? '';
  return user === '' ? '-' : escapeField(user);
}

/** A vhost's `onTransaction` hook: every response ends with one combined-log line sent to `sink`. */
export function accessLogger(sink: LogSink): (tx: Transaction) => void {
  return (tx: Transaction) => {
    const started = new Date();
    tx.onFinish(() => sink(formatLine(tx, started, tx.statusCode, tx.bytesWritten)));
  };
}

/** Wrap `handler` so every response it gives ends with one combined-log line sent to `sink`. */
export function withAccessLog(handler: Handler, sink: LogSink): Handler {
  const log = accessLogger(sink);
  return (tx: Transaction) => {
    log(tx);
    return handler(tx);
  };
}

function formatLine(tx: Transaction, started: Date, status: number, bytes: number): string {
  const r = tx.request;
  const version = r.httpVersion === '2' ? 'HTTP/2.0' : `HTTP/${r.httpVersion}`;
  const referer = r.header('referer');
  const agent = r.header('user-agent');
  return [
    r.remoteAddress ?? '-',
    '-',
    basicUser(r.header('authorization')),
    clfTime(started),
    `"${escapeField(`${r.method} ${r.path} ${version}`)}"`,
    status === 0 ? '-' : String(status),
    bytes === 0 ? '-' : String(bytes),
    `"${referer ? escapeField(referer) : '-'}"`,
    `"${agent ? escapeField(agent) : '-'}"`,
  ].join(' ');
}
