// Decoder failures (each a hand-built block that must throw HpackError /
// H2_ERR_COMPRESSION_ERROR), §4.2 size update rules, and
// SETTINGS_MAX_HEADER_LIST_SIZE handling.
import t, { type Test } from 'tap';
import { HpackError } from '../../lib/h2/errors.js';
import { HpackDecoder } from '../../lib/h2/hpack/decoder.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function throwsHpack(t: Test, fn: () => unknown, message: RegExp, name: string): void {
  try {
    fn();
    t.fail(`${name}: expected HpackError`);
  } catch (err) {
    t.ok(err instanceof HpackError, `${name}: is an HpackError`);
    t.match(err, { code: 'H2_ERR_COMPRESSION_ERROR', h2Code: 0x9, message }, name);
  }
}

/** A decoder whose dynamic table holds one entry, x-a: b (index 62). */
function withEntry(): HpackDecoder {
  const d = new HpackDecoder();
  d.decode(hex('40 0378 2d61 0162'));
  return d;
}

t.test('malformed blocks', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['indexed field with index 0 (§6.1)', '80', /index 0/],
    ['index just beyond the static table, empty dynamic table', 'be', /index 62 beyond/],
    ['index beyond static + dynamic', '82 bf', /index 63 beyond/],
    ['huge index', 'ff ffffff07', /beyond/],
    ['literal name reference beyond the table (6-bit prefix)', '7e 0161', /index 62 beyond/],
    ['literal name reference beyond the table (4-bit prefix)', '0f 2f 0161', /index 62 beyond/],
    ['never-indexed name reference beyond the table', '1f 2f 0161', /index 62 beyond/],
    ['truncated integer in an indexed field', 'ff', /truncated integer/],
    ['truncated integer in a continuation', 'ff 80', /truncated integer/],
    ['literal with no value', '41', /truncated header block: string literal expected/],
    ['literal with no name', '40', /string literal expected/],
    ['literal name without value', '40 0161', /string literal expected/],
    ['truncated string length', '41 7f', /truncated integer/],
    ['string length beyond the block', '41 0a 6162', /past the end/],
    ['Huffman string length beyond the block', '41 8a 6162', /past the end/],
    ['string length of 2^31-1', '41 7f 80ffffff07', /past the end/],
    ['integer above 2^31-1', '41 7f 81ffffff07', /exceeds 2\^31-1/],
    ['overlong integer', 'ff 8080808080 00', /too many continuation octets/],
    ['Huffman string with EOS', '00 0161 84 ffffffff', /EOS/],
    ['Huffman padding longer than 7 bits', '00 0161 82 1fff', /longer than 7 bits/],
    ['Huffman padding not all ones', '00 0161 81 18', /not a prefix of EOS/],
    ['Huffman name with bad padding', '00 8118 0161', /not a prefix of EOS/],
    ['size update after a field (§4.2)', '82 20', /after the start of the block/],
    ['size update between fields', '82 3f e11f 82', /after the start/],
    ['three size updates (§4.2 allows at most two)', '20 20 20', /more than two/],
    ['size update above SETTINGS_HEADER_TABLE_SIZE (§6.3)', '3f e21f', /4097 above the limit 4096/],
  ];
  for (const [name, block, message] of cases) throwsHpack(t, () => new HpackDecoder().decode(hex(block)), message, name);
  // The same blocks with a live dynamic entry: one further index is valid.
  t.same(withEntry().decode(hex('be')).headers, [['x-a', 'b']], 'index 62 is valid once an entry exists');
  throwsHpack(t, () => withEntry().decode(hex('bf')), /index 63 beyond the table \(61 static \+ 1 dynamic\)/, 'index 63 with one dynamic entry');
});

t.test('§4.2 dynamic table size updates', async (t) => {
  let d = new HpackDecoder();
  const r = d.decode(hex('20 3fe11f 82'));
  t.same(r.headers, [[':method', 'GET']], 'two updates at the start are fine');
  t.equal(d.table.maxSize, 4096);

  d = withEntry();
  d.decode(hex('20'));
  t.equal(d.table.length, 0, 'an update to 0 evicts everything');
  throwsHpack(t, () => d.decode(hex('be')), /beyond/, 'evicted entries are gone');

  d = new HpackDecoder();
  d.decode(hex('3f e11f'));
  t.equal(d.table.maxSize, 4096, 'an update alone is a valid block');
  t.same(d.decode(hex('')).headers, [], 'an empty block is valid');

  // Our setting grows: the peer may use more, but only up to the new limit.
  d = new HpackDecoder();
  d.setMaxTableSize(8192);
  t.same(d.decode(hex('82')).headers, [[':method', 'GET']], 'no update required when the limit grows');
  d.decode(hex('3f e13f'));
  t.equal(d.table.maxSize, 8192, 'grown to 8192 on request');
  throwsHpack(t, () => d.decode(hex('3f e23f')), /8193 above the limit 8192/, 'still capped by the limit');
});

t.test('setMaxTableSize: a shrink requires a size update at the start of the next block', async (t) => {
  let d = withEntry();
  d.setMaxTableSize(100);
  throwsHpack(t, () => d.decode(hex('82')), /missing dynamic table size update to at most 100/, 'block without the update');

  d = withEntry();
  d.setMaxTableSize(100);
  throwsHpack(t, () => d.decode(hex('3f 46 82')), /101 above the limit 100/, 'update above the new limit');

  d = withEntry();
  d.setMaxTableSize(100);
  throwsHpack(t, () => d.decode(hex('')), /missing/, 'an empty block cannot carry the update');

  d = withEntry();
  d.setMaxTableSize(100);
  let r = d.decode(hex('3f 45 be'));
  t.same(r.headers, [['x-a', 'b']], 'update to exactly 100, entry (36 octets) kept');
  t.equal(d.table.maxSize, 100);
  t.same(d.decode(hex('82')).headers, [[':method', 'GET']], 'only the first block needs the update');

  // Shrink then grow before the next block: the minimum must be signalled (§4.2).
  d = withEntry();
  d.setMaxTableSize(0);
  d.setMaxTableSize(4096);
  throwsHpack(t, () => d.decode(hex('3fe11f 82')), /at most 0/, 'only the final size signalled');
  d = withEntry();
  d.setMaxTableSize(0);
  d.setMaxTableSize(4096);
  r = d.decode(hex('20 3fe11f 82'));
  t.same(r.headers, [[':method', 'GET']], 'minimum then final');
  t.equal(d.table.length, 0, 'the 0 update emptied the table');
  t.equal(d.table.maxSize, 4096);

  // Shrinking to a size the table already respects needs no update.
  d = new HpackDecoder();
  d.decode(hex('3f 45'));
  d.setMaxTableSize(200);
  t.same(d.decode(hex('82')).headers, [[':method', 'GET']], 'limit 200 above the current 100: no update needed');

  // The constructor's maxTableSize behaves like an acknowledged setting.
  d = new HpackDecoder({ maxTableSize: 256 });
  throwsHpack(t, () => d.decode(hex('82')), /at most 256/, 'constructed below 4096: first block must shrink');
  d = new HpackDecoder({ maxTableSize: 256 });
  d.decode(hex('3f e101'));
  t.equal(d.table.maxSize, 256);
});

t.test('maxHeaderListSize: oversized blocks are decoded to the end, the table stays in sync', async (t) => {
  const d = new HpackDecoder({ maxHeaderListSize: 100 });
  // x-a: b (36), x-b: 40 × 'c' (75, crosses 100), x-c: d (36) — all indexed.
  const big = '40 0378 2d62 28' + '63'.repeat(40);
  const r = d.decode(hex(`40 0378 2d61 0162 ${big} 40 0378 2d63 0164`));
  t.equal(r.oversized, true, 'oversized');
  t.equal(r.listSize, 36 + 75 + 36, 'listSize counts the whole block (RFC 9113 §6.5.2)');
  t.same(r.headers, [['x-a', 'b']], 'fields stop before the one that crossed the limit');
  t.equal(d.table.length, 3, 'every literal with indexing was still added');
  const next = d.decode(hex('bf'));
  t.same([next.oversized, next.headers, next.listSize], [false, [['x-b', 'c'.repeat(40)]], 75], 'the next block references the entries of the oversized one');
  const after = d.decode(hex('be c0'));
  t.same(
    [after.oversized, after.headers],
    [
      false,
      [
        ['x-c', 'd'],
        ['x-a', 'b'],
      ],
    ],
    'first and last entries of the oversized block are in place',
  );
  const exact = new HpackDecoder({ maxHeaderListSize: 36 }).decode(hex('40 0378 2d61 0162'));
  t.same([exact.oversized, exact.headers.length], [false, 1], 'a list of exactly the limit is not oversized');
  const unlimited = new HpackDecoder().decode(hex(`40 0378 2d61 0162 ${big}`));
  t.same([unlimited.oversized, unlimited.headers.length], [false, 2], 'no limit by default');
});

t.test('latin1 strings are byte-transparent', async (t) => {
  const d = new HpackDecoder();
  const r = d.decode(hex('00 02 78ff 03 00 80 e9'));
  t.same(r.headers, [['x\u00ff', '\u0000\u0080\u00e9']]);
  t.equal(r.listSize, 2 + 3 + 32);
});
