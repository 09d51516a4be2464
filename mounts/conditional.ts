/**
 * Conditional requests (RFC 9110 §13): entity tags, HTTP-dates, and the
 * precedence in which If-Match, If-Unmodified-Since, If-None-Match,
 * If-Modified-Since and If-Range are evaluated. Pure: strings in, verdicts out.
 * @module
 */

/** What the file mount validates against: its strong ETag and modification time. */
export interface Validators {
  /** A strong, quoted entity tag, e.g. `"1f4-18c2a"`. */
  etag: string;
  /** Last modification time in ms since the epoch. */
  lastModified: number;
}

export interface ConditionalHeaders {
  'if-match'?: string | undefined;
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
  'if-unmodified-since'?: string | undefined;
}

/** The outcome of RFC 9110 §13.2.2: go on, answer 304, or answer 412. */
export type Precondition = 'proceed' | 'not-modified' | 'failed';

interface EntityTag {
  weak: boolean;
  /** The opaque-tag with its quotes. */
  opaque: string;
}

/** RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc excludes DQUOTE, controls and SP. */
const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/**
 * A strong ETag from what identifies a file version: size and modification time
 * (plus inode, so a replaced file of the same size and time differs), and the
 * content coding of a precompressed sibling so each representation has its own tag.
 */
export function makeEtag(stat: { size: number; mtimeMs: number; ino?: number }, coding?: string): string {
  const parts = [stat.size.toString(16), Math.floor(stat.mtimeMs).toString(16)];
  if (stat.ino) parts.push(stat.ino.toString(16));
  if (coding) parts.push(coding);
  return `"${parts.join('-')}"`;
}

/** Parse `*` or a list of entity tags. Malformed members make the whole field unusable (null). */
export function parseEntityTags(value: string): '*' | EntityTag[] | null {
  const trimmed = value.trim();
  if (trimmed === '*') return '*';
  const tags: EntityTag[] = [];
  for (const member of splitList(trimmed)) {
    const m = ENTITY_TAG.exec(member);
    if (!m) return null;
    tags.push({ weak: m[1] !== undefined, opaque: m[2]! });
  }
  return tags.length > 0 ? tags : null;
}

/** Split a list on commas outside quoted strings, dropping empty members (RFC 9110 §5.6.1). */
function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if ((c === ',' && !quoted) || i === value.length) {
      const member = value.slice(start, i).trim();
      if (member) out.push(member);
      start = i + 1;
    }
  }
  return out;
}

/** §8.8.3.2 strong comparison: both strong and the same opaque-tag. */
function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** §8.8.3.2 weak comparison: the same opaque-tag, either or both may be weak. */
function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850_DATE = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parse an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850
 * and asctime forms a recipient MUST accept. Returns ms since the epoch, or null.
 */
export function parseHttpDate(value: string): number | null {
  const v = value.trim();
  let f: { day: string; mon: string; year: number; h: string; mi: string; s: string };
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(v))) f = { day: m[1]!, mon: m[2]!, year: Number(m[3]), h: m[4]!, mi: m[5]!, s: m[6]! };
  else if ((m = RFC850_DATE.exec(v))) {
    // §5.6.7: a two-digit year more than 50 years in the future means the past century.
    const yy = Number(m[3]);
    const year = 2000 + yy > new Date().getUTCFullYear() + 50 ? 1900 + yy : 2000 + yy;
    f = { day: m[1]!, mon: m[2]!, year, h: m[4]!, mi: m[5]!, s: m[6]! };
  } else if ((m = ASCTIME_DATE.exec(v))) f = { day: m[2]!.trim(), mon: m[1]!, year: Number(m[6]), h: m[3]!, mi: m[4]!, s: m[5]! };
  else return null;
  const month = MONTHS.indexOf(f.mon.toLowerCase());
  const [D, H, M, S] = [Number(f.day), Number(f.h), Number(f.mi), Number(f.s)];
  if (month === -1 || D < 1 || D > 31 || H > 23 || M > 59 || S > 60) return null;
  const ms = Date.UTC(f.year, month, D, H, M, S);
  return Number.isFinite(ms) ? ms : null;
}

/** HTTP-dates have one-second resolution: compare file times in whole seconds. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * RFC 9110 §13.2.2: evaluate the preconditions of a request for an existing
 * representation, in the order the RFC prescribes.
 */
export function evaluatePreconditions(method: string, headers: ConditionalHeaders, v: Validators): Precondition {
  const current: EntityTag = { weak: false, opaque: v.etag };
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    // Step 1 (§13.1.1): true for `*` (the representation exists) or a strong match.
    const tags = parseEntityTags(ifMatch);
    const ok = tags === '*' || (tags !== null && tags.some((t) => strongMatch(t, current)));
    if (!ok) return 'failed';
  } else {
    // Step 2 (§13.1.4): only without If-Match; an invalid date is ignored.
    const ius = headers['if-unmodified-since'];
    const date = ius === undefined ? null : parseHttpDate(ius);
    if (date !== null && seconds(v.lastModified) > seconds(date)) return 'failed';
  }
  const safe = method === 'GET' || method === 'HEAD';
  const inm = headers['if-none-match'];
  if (inm !== undefined) {
    // Step 3 (§13.1.2): false when `*` or any tag matches weakly.
    const tags = parseEntityTags(inm);
    const matched = tags === '*' || (tags !== null && tags.some((t) => weakMatch(t, current)));
    if (matched) return safe ? 'not-modified' : 'failed';
  } else if (safe) {
    // Step 4 (§13.1.3): only for GET/HEAD without If-None-Match.
    const ims = headers['if-modified-since'];
    const date = ims === undefined ? null : parseHttpDate(ims);
    if (date !== null && seconds(v.lastModified) <= seconds(date)) return 'not-modified';
  }
  return 'proceed';
}

/**
 * §13.1.5 If-Range: whether a Range may be honoured. An entity tag must match
 * strongly; a date must equal the Last-Modified exactly. Anything else (a weak
 * tag, an invalid value) means: send the whole representation.
 */
export function ifRangeAllows(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) {
    const m = ENTITY_TAG.exec(value);
    return m !== null && strongMatch({ weak: m[1] !== undefined, opaque: m[2]! }, { weak: false, opaque: v.etag });
  }
  const date = parseHttpDate(value);
  return date !== null && seconds(date) === seconds(v.lastModified);
}
