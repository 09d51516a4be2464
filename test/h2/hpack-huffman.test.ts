// Huffman code (RFC 7541 §5.2, Appendix B): the generated table checked
// against independent facts, the RFC's own Huffman examples, and the §5.2
// decoding errors.
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HpackError } from '../../lib/h2/errors.js';
import { huffmanDecode, huffmanEncode, huffmanEncodedLength } from '../../lib/h2/hpack/huffman.js';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from '../../lib/h2/hpack/huffman-table.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function encode(s: string | Buffer): Buffer {
  const out = Buffer.alloc(huffmanEncodedLength(s));
  const end = huffmanEncode(s, out, 0);
  if (end !== out.length) throw new Error(`huffmanEncode wrote ${end} octets, huffmanEncodedLength said ${out.length}`);
  return out;
}

function throwsHpack(t: Test, fn: () => unknown, message: RegExp, name: string): void {
  try {
    fn();
    t.fail(`${name}: expected HpackError`);
  } catch (err) {
    t.ok(err instanceof HpackError, `${name}: is an HpackError`);
    t.match(err, { code: 'H2_ERR_COMPRESSION_ERROR', message }, name);
  }
}

t.test('the generated table is the RFC 7541 code', async (t) => {
  t.equal(HUFFMAN_CODES.length, 257);
  t.equal(HUFFMAN_LENGTHS.length, 257);
  // EOS is 30 ones (§5.2 padding relies on it).
  t.equal(HUFFMAN_LENGTHS[256], 30, 'EOS is 30 bits');
  t.equal(HUFFMAN_CODES[256], 0x3fffffff, 'EOS is all ones');
  // Spot facts from Appendix B.
  t.same([HUFFMAN_CODES[48], HUFFMAN_LENGTHS[48]], [0b00000, 5], "'0' = 00000");
  t.same([HUFFMAN_CODES[97], HUFFMAN_LENGTHS[97]], [0b00011, 5], "'a' = 00011");
  t.same([HUFFMAN_CODES[32], HUFFMAN_LENGTHS[32]], [0b010100, 6], "' ' = 010100");
  t.same([HUFFMAN_CODES[0], HUFFMAN_LENGTHS[0]], [0x1ff8, 13], '(0) = 1ff8 [13]');
  t.same([HUFFMAN_CODES[255], HUFFMAN_LENGTHS[255]], [0x3ffffee, 26], '(255) = 3ffffee [26]');

  let kraft = 0;
  for (let s = 0; s < 257; s++) {
    const len = HUFFMAN_LENGTHS[s]!;
    if (len < 5 || len > 30) t.fail(`symbol ${s} has length ${len}`);
    if (HUFFMAN_CODES[s]! >= 2 ** len) t.fail(`symbol ${s} code wider than its length`);
    kraft += 2 ** -len;
  }
  t.equal(kraft, 1, 'Kraft sum is exactly 1: the code is complete');

  // Canonical: ordered by (length, symbol), each code is the previous one
  // plus one, shifted to the new length. Canonical + Kraft = prefix-free.
  const order = [...Array(257).keys()].sort((a, b) => HUFFMAN_LENGTHS[a]! - HUFFMAN_LENGTHS[b]! || a - b);
  let bad = 0;
  for (let i = 1; i < order.length; i++) {
    const prev = order[i - 1]!;
    const cur = order[i]!;
    const expected = (HUFFMAN_CODES[prev]! + 1) * 2 ** (HUFFMAN_LENGTHS[cur]! - HUFFMAN_LENGTHS[prev]!);
    if (HUFFMAN_CODES[cur] !== expected) bad++;
  }
  t.equal(bad, 0, 'the code is canonical');
  t.equal(HUFFMAN_CODES[order[0]!], 0, 'the first canonical code is all zeros');

  // Prefix-free, checked directly: no code is a prefix of the next in left-aligned order.
  const aligned = order.map((s) => ({ v: HUFFMAN_CODES[s]! * 2 ** (30 - HUFFMAN_LENGTHS[s]!), len: HUFFMAN_LENGTHS[s]! }));
  aligned.sort((a, b) => a.v - b.v);
  let prefixes = 0;
  for (let i = 1; i < aligned.length; i++) {
    const a = aligned[i - 1]!;
    if (aligned[i]!.v < a.v + 2 ** (30 - a.len)) prefixes++;
  }
  t.equal(prefixes, 0, 'no code is a prefix of another');
});

t.test('huffman-table.ts is what the generator writes from the RFC data file', async (t) => {
  const script = fileURLToPath(new URL('../../scripts/gen-huffman.mjs', import.meta.url));
  const out = execFileSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  t.match(out, /up to date/);
});

// Every Huffman-coded string in RFC 7541 Appendix C.4 and C.6.
const RFC_STRINGS: [string, string][] = [
  ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
  ['no-cache', 'a8eb 1064 9cbf'],
  ['custom-key', '25a8 49e9 5ba9 7d7f'],
  ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
  ['302', '6402'],
  ['private', 'aec3 771a 4b'],
  ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'],
  ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'],
  ['307', '640e ff'],
  ['Mon, 21 Oct 2013 20:13:22 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff'],
  ['gzip', '9bd9 ab'],
  [
    'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
    '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
  ],
];

t.test('RFC 7541 Appendix C.4 / C.6 Huffman strings', async (t) => {
  for (const [text, coded] of RFC_STRINGS) {
    t.equal(encode(text).toString('hex'), hex(coded).toString('hex'), `encode ${JSON.stringify(text)}`);
    t.equal(encode(Buffer.from(text, 'latin1')).toString('hex'), hex(coded).toString('hex'), `encode Buffer ${JSON.stringify(text)}`);
    t.equal(huffmanEncodedLength(text), hex(coded).length, `length of ${JSON.stringify(text)}`);
    t.equal(huffmanDecode(hex(coded)), text, `decode ${JSON.stringify(text)}`);
  }
});

t.test('round trips every octet and long strings', async (t) => {
  for (let b = 0; b < 256; b++) {
    const s = String.fromCharCode(b);
    const coded = encode(s);
    t.equal(coded.length, Math.ceil(HUFFMAN_LENGTHS[b]! / 8), `octet ${b} length`);
    if (huffmanDecode(coded) !== s) t.fail(`octet ${b} did not round-trip`);
  }
  const all = Buffer.alloc(256 * 3);
  for (let i = 0; i < all.length; i++) all[i] = (i * 7) & 0xff;
  t.equal(huffmanDecode(encode(all)), all.toString('latin1'), 'every octet, mixed code lengths');
  const long = 'x'.repeat(100_000) + '\u00ff\u0000';
  t.equal(huffmanDecode(encode(long)), long, 'a 100k string (scratch buffer growth)');
  t.equal(huffmanDecode(Buffer.alloc(0)), '', 'empty');
  // Decoding a window of a larger buffer.
  const coded = hex('00ff a8eb 1064 9cbf 00');
  t.equal(huffmanDecode(coded, 2, 8), 'no-cache', 'start/end window');
  // Chars above 0xff are taken as their low octet, like Buffer 'latin1'.
  t.same(encode('\u0161'), encode('\u0061'), 'latin1 truncation matches Buffer');
});

t.test('§5.2 decoding errors', async (t) => {
  // EOS (30 ones) followed by 2 ones of padding.
  throwsHpack(t, () => huffmanDecode(hex('ffffffff')), /EOS/, 'EOS alone');
  // 'a' (00011) then EOS: 00011111 11111111 11111111 11111111 1111111 + 1 pad
  throwsHpack(t, () => huffmanDecode(hex('1fffffffff')), /EOS/, 'EOS after a symbol');
  // 'a' + 3 ones of padding, then 8 more ones: 11 bits of padding.
  throwsHpack(t, () => huffmanDecode(hex('1fff')), /longer than 7 bits/, 'padding of 11 bits');
  throwsHpack(t, () => huffmanDecode(hex('ff')), /longer than 7 bits/, 'a string of 8 padding bits only');
  // 'a' + 000: padding that is not a prefix of EOS.
  throwsHpack(t, () => huffmanDecode(hex('18')), /not a prefix of EOS/, 'zero padding');
  // 'a' + 101: neither all ones nor a complete symbol.
  throwsHpack(t, () => huffmanDecode(hex('1d')), /not a prefix of EOS/, 'mixed padding');
  // Valid: 'a' + 111, and 7 bits of padding after a whole octet's worth of symbols.
  t.equal(huffmanDecode(hex('1f')), 'a', 'three bits of EOS padding');
  t.equal(huffmanDecode(hex('f8')), '&', "'&' is 8 bits: no padding at all");
  t.equal(huffmanDecode(hex('0001')), '000', '16 bits = three 5-bit symbols + 1 padding bit');
});

t.test('every 1- and 2-octet input decodes or throws HpackError', async (t) => {
  let ok = 0;
  let rejected = 0;
  const buf = Buffer.alloc(2);
  for (let v = 0; v < 0x10000; v++) {
    buf[0] = v >> 8;
    buf[1] = v & 0xff;
    for (const input of [buf.subarray(0, 1), buf]) {
      if (input.length === 1 && (v & 0xff) !== 0) continue;
      try {
        const s = huffmanDecode(input);
        // A decoded string must re-encode to the same octets (the padding is canonical).
        if (!encode(s).equals(input)) t.fail(`${input.toString('hex')} decoded to ${JSON.stringify(s)} which re-encodes differently`);
        ok++;
      } catch (err) {
        if (!(err instanceof HpackError)) throw err;
        rejected++;
      }
    }
  }
  t.ok(ok > 1000, `${ok} inputs decode`);
  t.ok(rejected > 1000, `${rejected} inputs are rejected`);
});
