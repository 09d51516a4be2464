// Prefix integers (RFC 7541 §5.1, examples in Appendix C.1).
import t, { type Test } from 'tap';
import { HpackError } from '../../lib/h2/errors.js';
import { MAX_INTEGER, decodeInteger, encodeInteger, integerLength } from '../../lib/h2/hpack/integer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function enc(value: number, prefixBits: number, flags = 0): string {
  const out = Buffer.alloc(8);
  return out.subarray(0, encodeInteger(out, 0, value, prefixBits, flags)).toString('hex');
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

t.test('RFC 7541 Appendix C.1', async (t) => {
  t.equal(enc(10, 5), '0a', 'C.1.1: 10 with a 5-bit prefix');
  t.equal(enc(1337, 5), '1f9a0a', 'C.1.2: 1337 with a 5-bit prefix');
  t.equal(enc(42, 8), '2a', 'C.1.3: 42 starting at an octet boundary');
  t.equal(enc(1337, 5, 0xe0), 'ff9a0a', 'flags above the prefix are kept');
  const c = { pos: 0 };
  t.equal(decodeInteger(hex('ea'), c, 5), 10, 'decode C.1.1 ignoring the 3 flag bits');
  c.pos = 0;
  t.equal(decodeInteger(hex('1f9a0a'), c, 5), 1337, 'decode C.1.2');
  t.equal(c.pos, 3, 'cursor moved past the integer');
  c.pos = 1;
  t.equal(decodeInteger(hex('ff2a'), c, 8), 42, 'decode C.1.3 from an offset');
  t.equal(c.pos, 2);
});

t.test('round trips at every prefix and boundary', async (t) => {
  let checked = 0;
  for (let n = 1; n <= 8; n++) {
    const max = (1 << n) - 1;
    const values = [0, 1, max - 1, max, max + 1, max + 127, max + 128, max + 16383, max + 16384, 2 ** 21, 2 ** 28, MAX_INTEGER - 1, MAX_INTEGER];
    for (const v of values) {
      if (v < 0) continue;
      const out = Buffer.alloc(8, 0);
      const end = encodeInteger(out, 0, v, n, 0);
      if (end !== integerLength(v, n)) t.fail(`integerLength(${v}, ${n}) = ${integerLength(v, n)}, wrote ${end}`);
      if (end > 6) t.fail(`${v} with ${n}-bit prefix took ${end} octets`);
      const c = { pos: 0 };
      const got = decodeInteger(out.subarray(0, end), c, n);
      if (got !== v || c.pos !== end) t.fail(`${v} with ${n}-bit prefix decoded as ${got} (pos ${c.pos}/${end})`);
      checked++;
    }
  }
  t.equal(checked, 8 * 13, 'all values round-tripped');
  t.equal(enc(MAX_INTEGER, 1), '01feffffff07', '2^31-1 with a 1-bit prefix takes 5 continuation octets');
});

t.test('limits (§5.1: implementation limits in value and octet length)', async (t) => {
  const c = { pos: 0 };
  t.equal(decodeInteger(hex('7f80ffffff07'), c, 7), MAX_INTEGER, '2^31-1 is accepted');
  c.pos = 0;
  throwsHpack(t, () => decodeInteger(hex('7f81ffffff07'), c, 7), /exceeds 2\^31-1/, '2^31 is rejected');
  c.pos = 0;
  throwsHpack(t, () => decodeInteger(hex('7fffffffff7f'), c, 7), /exceeds/, 'far above 2^31');
  c.pos = 0;
  // Redundant zero groups are tolerated while they fit the 5-octet budget...
  t.equal(decodeInteger(hex('1f8a808000'), c, 5), 41, 'zero-padded continuation within 5 octets');
  c.pos = 0;
  // ...but no value we accept needs a sixth continuation octet.
  throwsHpack(t, () => decodeInteger(hex('1f8080808080 00'), c, 5), /too many continuation octets/, 'six continuation octets');
  c.pos = 0;
  throwsHpack(t, () => decodeInteger(hex('1f9a'), c, 5), /truncated/, 'truncated after a continuation octet');
  c.pos = 0;
  throwsHpack(t, () => decodeInteger(hex('1f'), c, 5), /truncated/, 'truncated after the prefix');
  c.pos = 1;
  throwsHpack(t, () => decodeInteger(hex('1f'), c, 5), /truncated/, 'nothing left to read');
});
