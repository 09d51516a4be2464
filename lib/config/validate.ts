/**
 * Config validation: runs the zod schema and turns its issues into
 * `ConfigProblem`s that read well on one line each (`vhosts[0].port: expected
 * a port number 0-65535, got 70000`), with a "did you mean" for misspelt keys.
 * @module
 */
import type { z } from 'zod';
import { ConfigError, formatPath, type ConfigProblem } from './config-error.js';
import { configSchema, mountSchema, vhostSchema, type SluiceConfig } from './schema.js';

/** Parse JSON text, reporting a syntax error as one problem with its line and column. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const pos = Number(at[1]);
      const before = text.slice(0, pos).split('\n');
      where = ` at line ${before.length} column ${(before.at(-1)?.length ?? 0) + 1}`;
    }
    const reason = message
      .replace(/\s*(in JSON )?at position \d+.*$/s, '')
      .replace(/ \(line \d+ column \d+\)$/, '')
      .replace(/^(Unexpected token .+?), ".*" is not valid JSON$/s, '$1');
    throw new ConfigError(source, [{ path: '', reason: `invalid JSON${where}: ${reason}` }]);
  }
}

/** Validate a parsed config document; throws a ConfigError listing every problem. */
export function validateConfig(data: unknown, source: string): SluiceConfig {
  const result = configSchema.safeParse(data);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => problemsOf(issue, data));
  throw new ConfigError(source, problems);
}

const KNOWN_KEYS = {
  root: Object.keys(configSchema.shape),
  vhost: Object.keys(vhostSchema.shape),
  mount: Object.keys(mountSchema.shape),
  tls: ['cert', 'key'],
};

function problemsOf(issue: z.core.$ZodIssue, data: unknown): ConfigProblem[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), reason: `unknown key${suggest(key, knownKeysAt(path))}` }));
    case 'invalid_type': {
      const parent = valueAt(data, path.slice(0, -1));
      const last = path.at(-1);
      const present = path.length === 0 || (isObject(parent) && last !== undefined && Object.hasOwn(parent, last as string));
      if (!present) return [{ path: formatPath(path), reason: 'required key is missing' }];
      const expected = issue.expected === 'int' ? 'an integer' : `${article(issue.expected)} ${issue.expected}`;
      return [{ path: formatPath(path), reason: `expected ${expected}, got ${describe(valueAt(data, path))}` }];
    }
    case 'invalid_value':
      return [{ path: formatPath(path), reason: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(valueAt(data, path))}` }];
    case 'invalid_key':
      return [{ path: formatPath(path), reason: `invalid key: ${issue.issues.map((i) => i.message).join('; ')}` }];
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return [{ path: formatPath(path), reason: 'must not be empty' }];
      return [{ path: formatPath(path), reason: withGot(issue.message.startsWith('Too small') ? `expected at least ${String(issue.minimum)}` : issue.message, data, path) }];
    case 'too_big':
      return [{ path: formatPath(path), reason: withGot(issue.message.startsWith('Too big') ? `expected at most ${String(issue.maximum)}` : issue.message, data, path) }];
    default:
      // Origin problems already quote the value; numbers checked by refine() do not.
      return [{ path: formatPath(path), reason: issue.code === 'custom' && typeof valueAt(data, path) !== 'number' ? issue.message : withGot(issue.message, data, path) }];
  }
}

function withGot(reason: string, data: unknown, path: ReadonlyArray<PropertyKey>): string {
  const value = valueAt(data, path);
  return typeof value === 'number' || typeof value === 'string' ? `${reason}, got ${describe(value)}` : reason;
}

function knownKeysAt(path: ReadonlyArray<PropertyKey>): string[] {
  const last = path.at(-1);
  const before = path.at(-2);
  if (path.length === 0) return KNOWN_KEYS.root;
  if (last === 'tls') return KNOWN_KEYS.tls;
  if (typeof last === 'number' && before === 'vhosts') return KNOWN_KEYS.vhost;
  if (typeof last === 'number' && before === 'mounts') return KNOWN_KEYS.mount;
  return [];
}

/** ` (did you mean "cache-max-age"?)` when a known key is within two edits. */
function suggest(key: string, known: string[]): string {
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best === null ? '' : ` (did you mean "${best}"?)`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = data;
  for (const seg of path) {
    if (!isObject(v)) return undefined;
    v = v[seg as string];
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
