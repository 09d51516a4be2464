// Static table (RFC 7541 Appendix A) and dynamic table (§4: size
// accounting, eviction, resize) including the encoder's O(1) lookup maps.
import t from 'tap';
import { DynamicTable, entrySize } from '../../lib/h2/hpack/dynamic-table.js';
import {
  STATIC_NAMES,
  STATIC_TABLE_LENGTH,
  STATIC_VALUES,
  staticFieldIndex,
  staticNameIndex,
} from '../../lib/h2/hpack/static-table.js';

function entries(table: DynamicTable): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; i <= table.length; i++) out.push([table.name(i), table.value(i)]);
  return out;
}

t.test('static table', async (t) => {
  t.equal(STATIC_TABLE_LENGTH, 61);
  t.equal(STATIC_NAMES.length, 62, 'slot 0 unused + 61 entries');
  t.same([STATIC_NAMES[1], STATIC_VALUES[1]], [':authority', '']);
  t.same([STATIC_NAMES[2], STATIC_VALUES[2]], [':method', 'GET']);
  t.same([STATIC_NAMES[8], STATIC_VALUES[8]], [':status', '200']);
  t.same([STATIC_NAMES[16], STATIC_VALUES[16]], ['accept-encoding', 'gzip, deflate']);
  t.same([STATIC_NAMES[24], STATIC_VALUES[24]], ['cache-control', '']);
  t.same([STATIC_NAMES[55], STATIC_VALUES[55]], ['set-cookie', '']);
  t.same([STATIC_NAMES[61], STATIC_VALUES[61]], ['www-authenticate', '']);
  t.equal(staticNameIndex(':status'), 8, 'first index of a repeated name');
  t.equal(staticNameIndex(':path'), 4);
  t.equal(staticNameIndex('www-authenticate'), 61);
  t.equal(staticNameIndex('x-custom'), 0);
  t.equal(staticFieldIndex(':status', '404'), 13);
  t.equal(staticFieldIndex(':method', 'POST'), 3);
  t.equal(staticFieldIndex('cookie', ''), 32);
  t.equal(staticFieldIndex(':status', '201'), 0);
  t.equal(staticFieldIndex('x-custom', ''), 0);
  for (let i = 1; i <= 61; i++) {
    const name = STATIC_NAMES[i]!;
    if (name !== name.toLowerCase()) t.fail(`entry ${i} name is not lowercase`);
    if (staticFieldIndex(name, STATIC_VALUES[i]!) !== i) t.fail(`entry ${i} is not found by name+value`);
  }
});

t.test('§4.1 entry size and §4.4 eviction', async (t) => {
  t.equal(entrySize('custom-key', 'custom-header'), 55, 'RFC C.2.1 size');
  const table = new DynamicTable(256);
  table.add(':status', '302');
  table.add('cache-control', 'private');
  table.add('date', 'Mon, 21 Oct 2013 20:13:21 GMT');
  table.add('location', 'https://www.example.com');
  t.equal(table.size, 222, 'RFC C.5.1 table size');
  t.same(entries(table)[0], ['location', 'https://www.example.com'], 'newest first');
  table.add(':status', '307');
  t.equal(table.size, 222, 'the oldest entry made room (RFC C.5.2)');
  t.same(
    entries(table).map((e) => e[0]),
    [':status', 'location', 'date', 'cache-control'],
  );
  // §4.4: an entry larger than the table empties it, without error.
  table.add('x', 'y'.repeat(300));
  t.equal(table.length, 0, 'too-large entry empties the table');
  t.equal(table.size, 0);
  // Exactly the maximum fits.
  table.add('n', 'v'.repeat(256 - 32 - 1));
  t.equal(table.size, 256, 'an entry of exactly maxSize fits');
  t.equal(table.length, 1);
});

t.test('§4.3 resize evicts from the end', async (t) => {
  const table = new DynamicTable(4096);
  for (let i = 0; i < 10; i++) table.add(`name-${i}`, 'v'); // 6 + 1 + 32 = 39 each
  t.equal(table.size, 390);
  table.setMaxSize(100);
  t.equal(table.maxSize, 100);
  t.same(entries(table), [
    ['name-9', 'v'],
    ['name-8', 'v'],
  ]);
  table.setMaxSize(0);
  t.equal(table.length, 0, 'size 0 clears the table');
  table.add('a', 'b');
  t.equal(table.length, 0, 'nothing fits in a size-0 table');
  table.setMaxSize(4096);
  table.add('a', 'b');
  t.same(entries(table), [['a', 'b']], 'growing again works');
});

t.test('ring buffer growth keeps order over many insertions', async (t) => {
  const table = new DynamicTable(1_000_000);
  for (let i = 0; i < 1000; i++) table.add(`n${i}`, `v${i}`);
  let bad = 0;
  for (let i = 1; i <= 1000; i++) if (table.name(i) !== `n${1000 - i}` || table.value(i) !== `v${1000 - i}`) bad++;
  t.equal(bad, 0, 'all 1000 entries in newest-first order');
  // Wrap around: a small table cycling through many entries.
  const small = new DynamicTable(41 * 5);
  for (let i = 0; i < 1000; i++) small.add('name', `${i}`.padStart(4, '0'));
  t.same(
    entries(small).map((e) => e[1]),
    ['0999', '0998', '0997', '0996', '0995'],
  );
});

t.test('encoder lookup (find) follows insertions and evictions', async (t) => {
  const table = new DynamicTable(200, true);
  t.equal(table.find('a', '1'), 0, 'empty table');
  table.add('a', '1'); // 34
  table.add('b', '1'); // 34
  table.add('a', '2'); // 34
  t.equal(table.find('a', '2'), 1, 'exact match, newest');
  t.equal(table.find('a', '1'), 3, 'exact match, older');
  t.equal(table.find('a', '3'), -1, 'name match points at the newest entry with the name');
  t.equal(table.find('b', '9'), -2);
  t.equal(table.find('c', '1'), 0, 'no match');
  table.add('a', '1'); // duplicate of index 3 → 4 entries, 136 octets
  t.equal(table.find('a', '1'), 1, 'duplicates: the newest copy wins');
  table.add('c', 'x'.repeat(30)); // 63 → 199, fits
  table.add('d', '1'); // 34 → 233 > 200: evicts the oldest, the first a:1
  t.same(
    entries(table).map((e) => e.join(':')),
    ['d:1', 'c:' + 'x'.repeat(30), 'a:1', 'a:2', 'b:1'],
  );
  t.equal(table.find('a', '1'), 3, 'evicting the old duplicate keeps the new one findable');
  t.equal(table.find('b', '1'), 5);
  table.add('e', '1'); // evicts b:1
  t.equal(table.find('b', '1'), 0, 'evicted name is gone');
  t.equal(table.find('b', ''), 0, 'and no name match either');
  t.equal(table.find('a', '2'), 5, '[e, d, c, a:1, a:2]');
  table.setMaxSize(68);
  t.same(entries(table), [
    ['e', '1'],
    ['d', '1'],
  ]);
  t.equal(table.find('a', '2'), 0, 'resize cleans the maps');
  t.equal(table.find('a', '1'), 0);
  t.equal(table.find('d', '1'), 2);
  table.setMaxSize(34);
  t.same(entries(table), [['e', '1']]);
  t.equal(table.find('d', '1'), 0);
  t.equal(table.find('e', '2'), -1);
  table.add('e', 'x'.repeat(100));
  t.equal(table.find('e', '1'), 0, 'emptied by an oversized entry');
  t.equal(table.find('e', 'x'.repeat(100)), 0, 'the oversized entry was not added');
});
