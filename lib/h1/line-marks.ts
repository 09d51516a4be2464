/**
 * Limits and bare CR, judged on one line of a head or trailer section from a
 * few positions in it. A line still arriving (bytes in a Buffer) and the
 * complete line (a string) are reduced to the same marks, and one function
 * judges them, so the error reported never depends on how the input was split.
 * @module
 */

import { CR, SP } from './chars.js';
import { H1ParseError } from './errors.js';

/** Positions in one line, relative to its start; -1 when absent. One instance is reused per parser. */
export class LineMarks {
  firstSP = -1;
  secondSP = -1;
  /** First CR inside the content: a bare CR, since the line's own CR is not content. */
  firstCR = -1;
  crThenCR = false;
  /** Bytes of content: without CR/LF, and for a partial line without a trailing CR that may yet be the line ending. */
  content = 0;
  /** Bytes the line occupies so far, line ending included. */
  raw = 0;

  /** Marks of a partial line; `spaces` only matter on a request line. */
  ofPartial(partial: Buffer, spaces: boolean): this {
    const content = partial[partial.length - 1] === CR ? partial.length - 1 : partial.length;
    const cr = partial.indexOf(CR);
    this.firstCR = cr < content ? cr : -1;
    this.crThenCR = cr !== -1 && partial[cr + 1] === CR;
    this.firstSP = spaces ? partial.indexOf(SP) : -1;
    this.secondSP = this.firstSP === -1 ? -1 : partial.indexOf(SP, this.firstSP + 1);
    this.content = content;
    this.raw = partial.length;
    return this;
  }

  /** Marks of the complete line text[start, end) (CR/LF excluded) that occupied `raw` bytes. */
  ofLine(text: string, start: number, end: number, raw: number, spaces: boolean): this {
    const cr = text.indexOf('\r', start);
    this.firstCR = cr !== -1 && cr < end ? cr - start : -1;
    this.crThenCR = this.firstCR !== -1 && text.charCodeAt(cr + 1) === CR;
    const sp1 = spaces ? text.indexOf(' ', start) : -1;
    this.firstSP = sp1 !== -1 && sp1 < end ? sp1 - start : -1;
    const sp2 = this.firstSP === -1 ? -1 : text.indexOf(' ', sp1 + 1);
    this.secondSP = sp2 !== -1 && sp2 < end ? sp2 - start : -1;
    this.content = end - start;
    this.raw = raw;
    return this;
  }
}

/**
 * The first error the bytes of a line revealed: the target passing
 * `maxTarget` (request lines: pass -1 otherwise), the section passing its
 * `budget`, or a bare CR, which shows once the byte after it arrived (RFC
 * 9112 §2.2: a bare CR MUST be treated as invalid or replaced; we reject). Each is
 * judged on the bytes seen when it became visible, so the earliest wins.
 */
export function lineError(marks: LineMarks, budget: number, maxTarget: number, tooLarge: 'HEADER_TOO_LARGE' | 'TRAILER_TOO_LARGE'): H1ParseError | null {
  const cr = marks.firstCR;
  // With a bare CR, only the bytes up to the one after it count; that byte is left
  // out if it is a CR, which may still be the line ending.
  const raw = cr === -1 ? marks.raw : cr + 2;
  const content = cr === -1 ? marks.content : marks.crThenCR || cr + 1 === marks.content ? cr + 1 : cr + 2;
  const sp1 = marks.firstSP;
  // The target overflows at byte sp1 + 1 + maxTarget + 1; that only counts if the
  // budget was not already exhausted by then (RFC 9112 §3: MUST answer 414).
  if (maxTarget >= 0 && sp1 !== -1 && sp1 < content && sp1 + maxTarget + 2 <= budget) {
    const sp2 = marks.secondSP !== -1 && marks.secondSP < content ? marks.secondSP : content;
    if (sp2 - sp1 - 1 > maxTarget) return new H1ParseError('URI_TOO_LONG', `request-target longer than ${maxTarget} bytes`);
  }
  if (raw > budget) return new H1ParseError(tooLarge, tooLarge === 'HEADER_TOO_LARGE' ? 'head exceeds maxHeaderBytes' : 'trailer section exceeds maxTrailerBytes');
  return cr === -1 ? null : new H1ParseError('BARE_CR', 'bare CR (not followed by LF)');
}
