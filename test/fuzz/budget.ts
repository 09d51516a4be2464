/**
 * Time boxes for the fast-check properties: each property runs for
 * SLUICE_FUZZ_MS milliseconds (default 1500, so the suite stays fast) or until
 * its runs are done; set SLUICE_FUZZ_MS=60000 for a long local run.
 * SLUICE_FUZZ_SEED replays the seed fast-check printed for a failure.
 */
import fc from 'fast-check';

const ms = Number(process.env.SLUICE_FUZZ_MS ?? 1500);
const seed = process.env.SLUICE_FUZZ_SEED === undefined ? undefined : Number(process.env.SLUICE_FUZZ_SEED);

/** fast-check parameters: many runs, cut off by the time box (an interrupt is not a failure). */
export function budget(): fc.Parameters<unknown> {
  return { numRuns: 1_000_000, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, ...(seed !== undefined ? { seed } : {}) };
}

/** A byte string cut into pieces at arbitrary points: how a socket may deliver it. */
export function splits(data: Uint8Array, cuts: number[]): Buffer[] {
  const buf = Buffer.from(data);
  const at = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % (buf.length + 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out.filter((b) => b.length > 0);
}

/** Mutations of a valid input: flipped, inserted, deleted and duplicated bytes. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({ kind: fc.constantFrom('flip', 'insert', 'delete', 'dup'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 1, max: 16 }) });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 6 })).map(([bytes, edits]) => {
    let b = Buffer.from(bytes);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'flip' && b.length > 0) b[at] = e.byte;
      else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
      else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
      else if (e.kind === 'dup') b = Buffer.concat([b.subarray(0, at + e.len), b.subarray(at)]);
    }
    return new Uint8Array(b);
  });
}
