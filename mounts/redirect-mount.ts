/**
 * The `>https://…` / `>http://…` mount: every request below the mountpoint is
 * redirected (301 by default; 302, 307 or 308 by configuration), optionally
 * with the path below the mountpoint and the query appended to the target.
 * @module
 */
import type { Transaction } from '../lib/index.js';
import { respondText } from './respond-text.js';

export type RedirectStatus = 301 | 302 | 307 | 308;

const REASONS: Record<RedirectStatus, string> = { 301: 'Moved Permanently', 302: 'Found', 307: 'Temporary Redirect', 308: 'Permanent Redirect' };

export class RedirectMount {
  readonly #target: string;
  readonly #status: RedirectStatus;
  readonly #appendPath: boolean;

  constructor(target: string, status: RedirectStatus = 301, appendPath = false) {
    this.#target = target;
    this.#status = status;
    this.#appendPath = appendPath;
  }

  /** The Location for a request whose pathname below the mountpoint is `rest` (still encoded). */
  location(rest: string, search: string): string {
    if (!this.#appendPath) return this.#target;
    const base = this.#target.endsWith('/') && rest.startsWith('/') ? this.#target.slice(0, -1) : this.#target;
    return base + rest + (search ? `?${search}` : '');
  }

  handle(tx: Transaction, rest: string): Promise<void> {
    const location = this.location(rest, tx.request.search);
    return respondText(tx, this.#status, `${REASONS[this.#status]}: ${location}`, { location });
  }
}
