// Encoder choices: representations (§6), never-indexed credentials
// (§6.2.3, §7.1.3), the indexing policy, Huffman only when shorter, and
// dynamic table size update signalling (§4.2, §6.3).
import t from 'tap';
import { HpackDecoder } from '../../lib/h2/hpack/decoder.js';
import { HpackEncoder } from '../../lib/h2/hpack/encoder.js';
import { decodeInteger } from '../../lib/h2/hpack/integer.js';

type Kind = 'indexed' | 'incremental' | 'without' | 'never' | 'size';
interface Rep {
  kind: Kind;
  /** Index (field or name reference), or the new size for 'size'. */
  n: number;
  /** Huffman flags of the literal strings, name (when literal) then value. */
  huffman: boolean[];
}

/** Parses a block into its representations, independently of the decoder. */
function reps(block: Buffer): Rep[] {
  const c = { pos: 0 };
  const out: Rep[] = [];
  const str = (): boolean => {
    const h = (block[c.pos]! & 0x80) !== 0;
    const len = decodeInteger(block, c, 7);
    c.pos += len;
    return h;
  };
  while (c.pos < block.length) {
    const b = block[c.pos]!;
    if (b & 0x80) out.push({ kind: 'indexed', n: decodeInteger(block, c, 7), huffman: [] });
    else if ((b & 0xe0) === 0x20) out.push({ kind: 'size', n: decodeInteger(block, c, 5), huffman: [] });
    else {
      const kind: Kind = b & 0x40 ? 'incremental' : b & 0x10 ? 'never' : 'without';
      const n = decodeInteger(block, c, kind === 'incremental' ? 6 : 4);
      const huffman = n === 0 ? [str(), str()] : [str()];
      out.push({ kind, n, huffman });
    }
  }
  return out;
}

const kinds = (block: Buffer): string => reps(block)
  .map((r) => `${r.kind}:${r.n}`)
  .join(' ');

t.test('credentials are never-indexed literals and never enter the table (§6.2.3, §7.1.3)', async (t) => {
  const e = new HpackEncoder();
  const d = new HpackDecoder();
  const list: [string, string][] = [
    ['authorization', 'Bearer abc.def'],
    ['proxy-authorization', 'Basic dXNlcjpwYXNz'],
    ['cookie', 'a=b'],
    ['cookie', 'session=0123456789abcdef0123456789abcdef0123456789abcdef'],
    ['set-cookie', 'id=1; Path=/; HttpOnly'],
    ['authorization', ''],
  ];
  for (let round = 0; round < 2; round++) {
    const block = e.encode(list);
    const r = reps(block);
    t.same(
      r.map((x) => [x.kind, x.n]),
      [
        ['never', 23],
        ['never', 49],
        ['never', 32],
        ['never', 32],
        ['never', 55],
        ['never', 23],
      ],
      `round ${round}: 0001xxxx with the static name index`,
    );
    t.equal(block[0]! & 0xf0, 0x10, 'first octet is 0001xxxx');
    t.equal(e.table.length, 0, `round ${round}: encoder table untouched`);
    t.same(d.decode(block).headers, list, `round ${round}: decodes`);
    t.equal(d.table.length, 0, `round ${round}: decoder table untouched`);
  }
});

t.test('representation choice', async (t) => {
  const e = new HpackEncoder();
  t.equal(e.encode([[':method', 'GET']]).toString('hex'), '82', 'static full match: one octet');
  t.equal(kinds(e.encode([[':status', '404']])), 'indexed:13');
  t.equal(kinds(e.encode([['accept-encoding', 'gzip, deflate']])), 'indexed:16', 'static match with a non-empty value');
  t.equal(kinds(e.encode([['content-type', 'text/html']])), 'incremental:31', 'static name, indexed value');
  t.equal(kinds(e.encode([['content-type', 'text/html']])), 'indexed:62', 'repeat: dynamic full match');
  t.equal(kinds(e.encode([['content-type', 'text/css']])), 'incremental:31', 'static name index beats the dynamic one');
  t.equal(kinds(e.encode([['x-trace', 'abc']])), 'incremental:0', 'unknown name: literal name');
  t.equal(kinds(e.encode([['x-trace', 'def']])), 'incremental:62', 'dynamic name reference');
  t.equal(kinds(e.encode([['x-trace', 'abc']])), 'indexed:63', 'older dynamic full match ([def, abc, css, html])');
  t.equal(e.table.length, 4);
  // An empty value equal to a static entry is a full match too.
  t.equal(kinds(e.encode([['cache-control', '']])), 'indexed:24');
});

t.test('values that rarely repeat are literals without indexing', async (t) => {
  const e = new HpackEncoder();
  const list: [string, string][] = [
    [':path', '/search?q=hpack'],
    [':path', '/assets/app.js'],
    ['content-length', '1234'],
    ['etag', '"abc"'],
    ['last-modified', 'Mon, 21 Oct 2013 20:13:21 GMT'],
    ['location', 'https://example.com/'],
    ['age', '30'],
    ['if-none-match', '"abc"'],
  ];
  const block = e.encode(list);
  t.same(
    reps(block).map((r) => `${r.kind}:${r.n}`),
    ['without:4', 'without:4', 'without:28', 'without:34', 'without:44', 'without:46', 'without:21', 'without:41'],
  );
  t.equal(e.table.length, 0, 'nothing indexed');
  t.same(new HpackDecoder().decode(block).headers, list);
  // `date` and `expires` are indexed (responses in the same second share them).
  t.equal(kinds(e.encode([['date', 'Mon, 21 Oct 2013 20:13:21 GMT']])), 'incremental:33');
  t.equal(kinds(e.encode([['date', 'Mon, 21 Oct 2013 20:13:21 GMT']])), 'indexed:62');
});

t.test('entries larger than 3/4 of the table are not indexed', async (t) => {
  const e = new HpackEncoder();
  const fits = 'v'.repeat(3072 - 32 - 5); // x-big + value + 32 = 3072
  t.equal(kinds(e.encode([['x-big', fits]])), 'incremental:0', 'exactly 3/4 is indexed');
  t.equal(kinds(e.encode([['x-big', fits + 'w']])), 'without:62', 'one more octet is not (name still referenced)');
  const small = new HpackEncoder({ maxTableSize: 256 });
  const d = new HpackDecoder({ maxTableSize: 256 });
  const value = 'y'.repeat(200); // 232 > 192
  const block = small.encode([['x-y', value]]);
  t.equal(kinds(block), 'size:256 without:0', 'threshold follows the table size');
  t.same(d.decode(block).headers, [['x-y', value]]);
});

t.test('Huffman only when strictly shorter (§5.2)', async (t) => {
  const e = new HpackEncoder();
  const huff = (name: string, value: string): boolean[] => reps(e.encode([[name, value]]))[0]!.huffman;
  t.same(huff('x-hello', 'hello'), [true, true], 'lowercase text: both Huffman');
  t.same(huff('x-a', 'hello'), [false, true], '"x-a" is 3 octets coded too: raw name');
  t.same(huff('content-type', '307'), [false], '3 octets either way: raw');
  t.same(huff('content-type', '&&&'), [false], '8-bit codes: equal length, raw');
  t.same(huff('content-type', '\u00ff\u00fe'), [false], 'high octets: Huffman is longer, raw');
  t.same(huff('x-empty-value', ''), [true, false], 'empty value: raw');
  const block = e.encode([['x-bin', '\u0000\u007f\u0080\u00ff'.repeat(20)]]);
  t.same(new HpackDecoder().decode(block).headers, [['x-bin', '\u0000\u007f\u0080\u00ff'.repeat(20)]], 'raw octets round-trip');
});

t.test('dynamic table size updates (§4.2, §6.3)', async (t) => {
  let e = new HpackEncoder();
  t.equal(kinds(e.encode([[':method', 'GET']])), 'indexed:2', 'no update by default');

  e = new HpackEncoder({ maxTableSize: 1024 });
  t.equal(e.encode([[':method', 'GET']]).toString('hex'), '3fe10782', 'own cap below 4096: first block shrinks the table');
  t.equal(kinds(e.encode([[':method', 'GET']])), 'indexed:2', 'only once');
  e.setPeerMaxTableSize(8192);
  t.equal(kinds(e.encode([[':method', 'GET']])), 'indexed:2', 'peer allows more than our cap: nothing to signal');

  // The decoder mirrors every block and every acknowledged setting.
  e = new HpackEncoder();
  const d = new HpackDecoder();
  d.decode(e.encode([['x-a', 'b']]));
  e.setPeerMaxTableSize(100);
  d.setMaxTableSize(100);
  let block = e.encode([[':method', 'GET']]);
  t.equal(kinds(block), 'size:100 indexed:2', 'peer shrinks');
  t.equal(e.table.maxSize, 100);
  t.same(d.decode(block).headers, [[':method', 'GET']]);
  e.setPeerMaxTableSize(0);
  d.setMaxTableSize(0);
  e.setPeerMaxTableSize(4096);
  d.setMaxTableSize(4096);
  block = e.encode([[':method', 'GET']]);
  t.equal(kinds(block), 'size:0 size:4096 indexed:2', 'shrink then grow: the minimum first, then the final size');
  t.equal(e.table.length, 0, 'the 0 update flushed the table');
  t.same(d.decode(block).headers, [[':method', 'GET']], 'the decoder accepts the pair');
  t.equal(d.table.maxSize, 4096);

  e.setPeerMaxTableSize(4096);
  t.equal(kinds(e.encode([[':method', 'GET']])), 'indexed:2', 'an unchanged size is not signalled');
  e.setPeerMaxTableSize(2048);
  e.setPeerMaxTableSize(3000);
  t.equal(kinds(e.encode([])), 'size:2048 size:3000', 'two changes, both signalled, in a block with no fields');
});

t.test('the encoder keeps no references to its output buffer', async (t) => {
  const e = new HpackEncoder();
  const a = e.encode([['x-a', 'one']]);
  const copy = Buffer.from(a);
  e.encode([['x-b', 'two'.repeat(1000)]]);
  t.same(a, copy, 'an earlier block is not overwritten by a later encode');
  const long = 'z'.repeat(100_000);
  const big = e.encode([
    ['x-long', long],
    ['x-long-2', long],
  ]);
  t.same(new HpackDecoder().decode(big).headers.length, 0 + 2, 'internal buffer grows past its initial size');
});
