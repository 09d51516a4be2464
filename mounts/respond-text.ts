/**
 * A short plain-text answer (errors, redirects) with its exact length.
 * @module
 */
import type { HeaderList, Transaction } from '../lib/index.js';

/** Respond `status` with `text` as its body; `headers` add to (or override) the content type. */
export function respondText(tx: Transaction, status: number, text: string, headers: Record<string, string> | HeaderList = []): Promise<void> {
  const extra: HeaderList = Array.isArray(headers) ? headers : Object.entries(headers);
  const fields: HeaderList = [['content-type', 'text/plain; charset=utf-8'], ...extra];
  return tx.respond(status, fields, `${text}\n`);
}
