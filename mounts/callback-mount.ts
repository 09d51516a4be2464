/**
 * The `callback://NAME` mount: the request goes, untouched, to the handler
 * registered under NAME (a custom handler written with the header API, or a
 * protocol's HTTP handler).
 * @module
 */
import type { Handler, Transaction } from '../lib/index.js';

export class CallbackMount {
  readonly name: string;
  readonly #handler: Handler;

  constructor(name: string, handler: Handler) {
    this.name = name;
    this.#handler = handler;
  }

  async handle(tx: Transaction): Promise<void> {
    await this.#handler(tx);
  }
}
