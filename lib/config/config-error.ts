/**
 * Configuration problems as data: every problem names the key path it is
 * about (`vhosts[0].mounts[1].origin`) and the reason, so the CLI can print
 * one line per problem and never a stack trace.
 * @module
 */
import { SluiceError, SluiceErrorCode } from '../errors.js';

export interface ConfigProblem {
  /** Key path in the config, e.g. `vhosts[0].mounts[1].origin`; '' for the whole document. */
  path: string;
  /** What is wrong and, where it helps, what was expected. */
  reason: string;
}

/** Path segments as zod and our checks produce them, joined the way a reader writes them. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else {
      const key = String(s);
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export class ConfigError extends SluiceError {
  /**
   * @param source what was being read: the config file's name, or `command line`
   * @param problems at least one
   */
  constructor(
    readonly source: string,
    readonly problems: ReadonlyArray<ConfigProblem>,
  ) {
    super(SluiceErrorCode.CONFIG, problems.map((p) => lineOf(source, p)).join('\n'));
  }

  /** One line per problem: `source: path: reason`. */
  lines(): string[] {
    return this.problems.map((p) => lineOf(this.source, p));
  }

  /** The same problems reported for another source (e.g. after mapping paths to CLI flags). */
  withSource(source: string, mapPath: (path: string) => string = (p) => p): ConfigError {
    return new ConfigError(
      source,
      this.problems.map((p) => ({ path: mapPath(p.path), reason: p.reason })),
    );
  }
}

function lineOf(source: string, p: ConfigProblem): string {
  return [source, p.path, p.reason].filter((s) => s !== '').join(': ');
}
