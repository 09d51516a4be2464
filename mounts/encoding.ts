/**
 * Choosing a precompressed sibling (`.br`, `.zst`, `.gz`) from Accept-Encoding
 * (RFC 9110 §12.5.3) with its q-values. Pure: the header in, codings to try
 * (best first) out; the file mount serves the first whose sibling exists.
 * @module
 */

/** The content codings a file mount looks for, in the server's order of preference (smallest output first). */
export type Coding = 'br' | 'zstd' | 'gzip';

export const CODINGS: readonly Coding[] = Object.freeze(['br', 'zstd', 'gzip']);

/** File name suffix of each coding's precompressed sibling. */
export const SIBLING_SUFFIX: Readonly<Record<Coding, string>> = Object.freeze({ br: '.br', zstd: '.zst', gzip: '.gz' });

/** qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) (RFC 9110 §12.4.2). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Parse Accept-Encoding into coding → q (lowercase; `x-gzip` counts as `gzip`, §8.4.1.3). Bad members are dropped. */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const member of header.split(',')) {
    const [rawName = '', ...params] = member.split(';');
    let name = rawName.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    let valid = true;
    for (const p of params) {
      const [k = '', v = ''] = p.split('=').map((x) => x.trim());
      if (k.toLowerCase() !== 'q') continue;
      if (!QVALUE.test(v)) valid = false;
      else q = Number(v);
    }
    if (!valid) continue;
    // The same coding twice: keep the higher preference.
    out.set(name, Math.max(q, out.get(name) ?? 0));
  }
  return out;
}

/**
 * The codings worth trying for this request, best first: acceptable (q > 0,
 * named or covered by `*`), not less preferred than identity when the client
 * ranked identity, ordered by q and then by the server's preference.
 * No Accept-Encoding means no preference: identity is the safe answer.
 */
export function rankEncodings(acceptEncoding: string | undefined, offered: readonly Coding[] = CODINGS): Coding[] {
  if (acceptEncoding === undefined) return [];
  const prefs = parseAcceptEncoding(acceptEncoding);
  const star = prefs.get('*');
  const identity = prefs.get('identity') ?? star ?? 0;
  const ranked: Array<{ coding: Coding; q: number; order: number }> = [];
  offered.forEach((coding, order) => {
    const q = prefs.get(coding) ?? star ?? 0;
    if (q > 0 && q >= identity) ranked.push({ coding, q, order });
  });
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return ranked.map((r) => r.coding);
}
