/**
 * Range header parsing (RFC 9110 §14.1-§14.2) as a pure unit.
 */
import t from 'tap';
import { parseRange } from '../../mounts/range.js';

const r = (header: string | undefined, size = 1000, max = 32) => parseRange(header, size, max);

t.test('single, open-ended, suffix', async (t) => {
  t.same(r('bytes=0-99'), { kind: 'ranges', ranges: [{ start: 0, end: 99 }] });
  t.same(r('bytes=900-'), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
  t.same(r('bytes=-100'), { kind: 'ranges', ranges: [{ start: 900, end: 999 }] });
  t.same(r('bytes=-5000'), { kind: 'ranges', ranges: [{ start: 0, end: 999 }] }, 'suffix longer than the file is the whole file');
  t.same(r('bytes=990-5000'), { kind: 'ranges', ranges: [{ start: 990, end: 999 }] }, 'end clamped');
  t.same(r('Bytes = 1-1'), { kind: 'ranges', ranges: [{ start: 1, end: 1 }] }, 'unit is case-insensitive');
});

t.test('multiple ranges keep their order; unsatisfiable members are dropped', async (t) => {
  t.same(r('bytes=500-599, 0-9 ,-10'), {
    kind: 'ranges',
    ranges: [
      { start: 500, end: 599 },
      { start: 0, end: 9 },
      { start: 990, end: 999 },
    ],
  });
  t.same(r('bytes=0-9,5000-6000'), { kind: 'ranges', ranges: [{ start: 0, end: 9 }] });
});

t.test('unsatisfiable: 416', async (t) => {
  t.same(r('bytes=1000-'), { kind: 'unsatisfiable' });
  t.same(r('bytes=5000-6000, 2000-'), { kind: 'unsatisfiable' });
  t.same(r('bytes=-0'), { kind: 'unsatisfiable' });
});

t.test('ignored: absent, other units, syntax errors, invalid int-range, empty file', async (t) => {
  for (const h of [undefined, 'items=0-1', 'bytes', 'bytes=', 'bytes=a-b', 'bytes=5-1', 'bytes=-', 'bytes=1-2-3', 'bytes=0-1;x', 'bytes=1234567890123456-']) {
    t.same(r(h), { kind: 'ignore' }, String(h));
  }
  t.same(r('bytes=0-10', 0), { kind: 'ignore' }, 'empty representation');
});

t.test('limit maxRanges: at the limit honoured, one over ignored', async (t) => {
  const specs = (n: number) => 'bytes=' + Array.from({ length: n }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
  const at = r(specs(4), 1000, 4);
  t.equal(at.kind, 'ranges');
  t.equal(at.kind === 'ranges' && at.ranges.length, 4);
  t.same(r(specs(5), 1000, 4), { kind: 'ignore' });
});

t.test('overlapping ranges asking for more than the file are ignored (no amplification)', async (t) => {
  t.same(r('bytes=0-999,0-999', 1000), { kind: 'ignore' });
  t.same(r('bytes=0-499,500-999', 1000).kind, 'ranges', 'exactly the file is fine');
});
