// Robustness: every truncated prefix of valid blocks, random and mutated
// bytes all either decode or throw HpackError (never RangeError/TypeError);
// and a seeded property test of encoder → decoder round trips across many
// blocks with table size changes, checking both tables stay identical.
import t, { type Test } from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HpackError } from '../../lib/h2/errors.js';
import { HpackDecoder } from '../../lib/h2/hpack/decoder.js';
import type { DynamicTable } from '../../lib/h2/hpack/dynamic-table.js';
import { HpackEncoder } from '../../lib/h2/hpack/encoder.js';
import { STATIC_NAMES } from '../../lib/h2/hpack/static-table.js';
import { rng } from '../support/random.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function entries(table: DynamicTable): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; i <= table.length; i++) out.push([table.name(i), table.value(i)]);
  return out;
}

/** Decodes, returning true on success, false on HpackError; anything else fails the test with the input. */
function tryDecode(t: Test, d: HpackDecoder, block: Buffer, what: string): boolean {
  try {
    d.decode(block);
    return true;
  } catch (err) {
    if (err instanceof HpackError && err.code === 'H2_ERR_COMPRESSION_ERROR') return false;
    t.fail(`${what}: ${block.toString('hex')} threw ${String(err)}`);
    return false;
  }
}

interface Story {
  name: string;
  tableSize?: number;
  blocks: Buffer[];
}

const VECTORS = fileURLToPath(new URL('../vectors/hpack/', import.meta.url));
function corpusStory(dir: string, file: string, count: number): Story {
  const json = JSON.parse(readFileSync(`${VECTORS}${dir}/${file}`, 'utf8')) as { cases: { wire: string }[] };
  return { name: `${dir}/${file}`, blocks: json.cases.slice(0, count).map((c) => hex(c.wire)) };
}

const STORIES: Story[] = [
  {
    name: 'RFC C.4',
    blocks: ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', '8286 84be 5886 a8eb 1064 9cbf', '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'].map(hex),
  },
  {
    name: 'RFC C.6',
    tableSize: 256,
    blocks: [
      '3fe101 4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3',
      '4883 640e ffc1 c0bf',
      '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ].map(hex),
  },
  corpusStory('nghttp2', 'story_20.json', 4),
  corpusStory('go-hpack', 'story_05.json', 3),
  corpusStory('node-http2-hpack', 'story_30.json', 3),
];

t.test('every truncated prefix decodes or throws HpackError', async (t) => {
  let ok = 0;
  let rejected = 0;
  for (const story of STORIES) {
    for (const [k, block] of story.blocks.entries()) {
      for (let len = 0; len <= block.length; len++) {
        const d = new HpackDecoder(story.tableSize === undefined ? {} : { maxTableSize: story.tableSize });
        for (const earlier of story.blocks.slice(0, k)) d.decode(earlier);
        const good = tryDecode(t, d, block.subarray(0, len), `${story.name} block ${k} prefix ${len}`);
        if (len === block.length && !good) t.fail(`${story.name} block ${k} does not decode whole`);
        if (good) ok++;
        else rejected++;
      }
    }
  }
  t.ok(rejected > 500, `${rejected} prefixes rejected`);
  t.ok(ok > 50, `${ok} prefixes decoded (field boundaries)`);
});

t.test('seeded random bytes decode or throw HpackError', async (t) => {
  const rand = rng(0x5eed);
  // A table with a few entries, so dynamic indices 62.. can resolve.
  const warm = hex('400378 2d61 0162 5886 a8eb 1064 9cbf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf');
  let ok = 0;
  let rejected = 0;
  for (let i = 0; i < 4000; i++) {
    const len = 1 + Math.floor(rand() ** 2 * 48); // biased short: short inputs decode more often
    const block = Buffer.alloc(len);
    for (let j = 0; j < len; j++) block[j] = Math.floor(rand() * 256);
    // Half the inputs start like a plausible representation, to get past the first octet more often.
    if (i & 1) block[0] = [0x82, 0xbe, 0x40, 0x41, 0x00, 0x10, 0x20, 0x5f][i % 8]!;
    const d = new HpackDecoder({ maxHeaderListSize: 1 + Math.floor(rand() * 200) });
    d.decode(warm);
    if (tryDecode(t, d, block, `random input ${i}`)) ok++;
    else rejected++;
  }
  t.ok(rejected > 1000, `${rejected} rejected`);
  t.ok(ok > 50, `${ok} decoded`);
});

t.test('mutated corpus blocks decode or throw HpackError', async (t) => {
  const rand = rng(0xc0ffee);
  const firsts = readdirSync(`${VECTORS}nghttp2`)
    .sort()
    .map((f) => corpusStory('nghttp2', f, 1).blocks[0]!);
  let ok = 0;
  let rejected = 0;
  for (const [s, original] of firsts.entries()) {
    for (let m = 0; m < 60; m++) {
      const block = Buffer.from(original);
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * block.length);
        block[at] = block[at]! ^ (1 << Math.floor(rand() * 8));
      }
      const cut = rand() < 0.3 ? Math.floor(rand() * block.length) : block.length;
      if (tryDecode(t, new HpackDecoder(), block.subarray(0, cut), `story ${s} mutation ${m}`)) ok++;
      else rejected++;
    }
  }
  t.ok(ok > 100 && rejected > 100, `${ok} decoded, ${rejected} rejected`);
});

t.test('property: random header lists round-trip across blocks and table size changes', async (t) => {
  const rand = rng(20240611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (n: number): number => Math.floor(rand() * n);
  const chars = (n: number, lo: number, hi: number): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(lo + int(hi - lo + 1));
    return s;
  };
  const SENSITIVE = ['authorization', 'cookie', 'set-cookie', 'proxy-authorization'];
  const SIZES = [0, 1, 32, 33, 64, 100, 256, 1000, 4096, 6000, 65536];
  let blocks = 0;
  let mismatches = 0;
  let updates = 0;
  for (let story = 0; story < 60; story++) {
    const cap = pick([0, 64, 256, 1024, 4096, 4096, 8192]);
    const e = new HpackEncoder({ maxTableSize: cap });
    const limit = rand() < 0.2 ? 2000 : Infinity;
    const d = new HpackDecoder({ maxHeaderListSize: limit });
    const names: string[] = [];
    const values: string[] = [];
    for (let b = 0; b < 40; b++) {
      // The peer's SETTINGS_HEADER_TABLE_SIZE changes and is ACKed, sometimes twice between blocks.
      if (rand() < 0.2) {
        for (let k = 1 + int(2); k > 0; k--) {
          const size = pick(SIZES);
          e.setPeerMaxTableSize(size);
          d.setMaxTableSize(size);
        }
      }
      const list: [string, string][] = [];
      for (let n = int(20); n > 0; n--) {
        const r = rand();
        const name =
          r < 0.3 && names.length ? pick(names)
          : r < 0.55 ? STATIC_NAMES[1 + int(61)]!
          : r < 0.65 ? pick(SENSITIVE)
          : r < 0.9 ? 'x-' + chars(1 + int(12), 0x61, 0x7a)
          : chars(1 + int(6), 0x00, 0xff);
        const v = rand();
        const value =
          v < 0.4 && values.length ? pick(values)
          : v < 0.7 ? chars(int(30), 0x20, 0x7e)
          : v < 0.9 ? chars(int(30), 0x00, 0xff)
          : v < 0.95 ? chars(100 + int(5000), 0x20, 0xff)
          : '';
        names.push(name);
        values.push(value);
        list.push([name, value]);
      }
      const block = e.encode(list);
      if ((block[0]! & 0xe0) === 0x20) updates++;
      let r;
      try {
        r = d.decode(block);
      } catch (err) {
        t.fail(`story ${story} block ${b}: ${String(err)}`);
        break;
      }
      blocks++;
      const listSize = list.reduce((n, [k, v]) => n + k.length + v.length + 32, 0);
      const expected = r.oversized ? list.slice(0, r.headers.length) : list;
      if (JSON.stringify(r.headers) !== JSON.stringify(expected) || r.listSize !== listSize || r.oversized !== listSize > limit) {
        mismatches++;
        t.same(r.headers, expected, `story ${story} block ${b}`);
      }
      if (e.table.size !== d.table.size || e.table.maxSize !== d.table.maxSize || JSON.stringify(entries(e.table)) !== JSON.stringify(entries(d.table))) {
        mismatches++;
        t.fail(`story ${story} block ${b}: tables diverged (${e.table.size}/${e.table.maxSize} vs ${d.table.size}/${d.table.maxSize})`);
      }
      if (e.table.size > e.table.maxSize || e.table.maxSize > cap) t.fail(`story ${story} block ${b}: table over its limit`);
    }
  }
  t.equal(mismatches, 0, `${blocks} blocks round-tripped with identical tables`);
  t.ok(blocks === 60 * 40, 'every block decoded');
  t.ok(updates > 100, `${updates} blocks started with a size update`);
});
