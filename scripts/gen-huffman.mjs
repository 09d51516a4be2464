#!/usr/bin/env node
/**
 * Generates lib/h2/hpack/huffman-table.ts from the RFC 7541 Appendix B code
 * table kept verbatim in scripts/rfc7541-huffman.txt.
 *
 *   node scripts/gen-huffman.mjs          write the table
 *   node scripts/gen-huffman.mjs --check  exit 1 if the file on disk is stale
 *
 * Output:
 * - HUFFMAN_CODES / HUFFMAN_LENGTHS: the code of each symbol 0..256 (LSB
 *   aligned) and its length in bits, for the encoder.
 * - HUFFMAN_DECODE: a nibble-at-a-time state machine for the decoder. The
 *   states are the 256 internal nodes of the code tree (257 leaves make 256
 *   internal nodes, so a state fits in 8 bits; the root is state 0). Entry
 *   `state * 16 + nibble` packs: bits 0-7 next state, bits 8-15 the emitted
 *   symbol, bit 16 "a symbol was emitted", bit 17 "EOS was decoded" (an
 *   error, RFC 7541 §5.2). The shortest code is 5 bits, so one nibble
 *   completes at most one symbol.
 * - HUFFMAN_FINAL: per state, whether a string may end there (§5.2):
 *   0 = yes (the pending bits are at most 7 ones, i.e. a prefix of EOS),
 *   1 = padding longer than 7 bits, 2 = padding that is not all ones.
 *
 * The script validates the table before writing: every row's bit string
 * matches its hex and length, symbols run 0..256 in order, and the code is
 * prefix-free and complete (Kraft sum exactly 1), which is what makes every
 * bit sequence decodable except through EOS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'rfc7541-huffman.txt');
const TARGET = join(here, '..', 'lib', 'h2', 'hpack', 'huffman-table.ts');

const EOS = 256;
const ROW = /^\s*(?:'.'\s+)?(?:EOS\s+)?\(\s*(\d+)\)\s+\|([01|]+)\s+([0-9a-f]+)\s+\[\s*(\d+)\]\s*$/;

function fail(msg) {
  console.error(`gen-huffman: ${msg}`);
  process.exit(1);
}

/** @returns {{ bits: string, code: number, len: number }[]} indexed by symbol */
function parseTable(text) {
  const rows = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = ROW.exec(line);
    if (!m) fail(`line ${i + 1} is not a table row: ${line}`);
    const [, symText, bitText, hex, lenText] = m;
    const sym = Number(symText);
    const bits = bitText.replaceAll('|', '');
    const len = Number(lenText);
    const code = parseInt(hex, 16);
    if (sym !== rows.length) fail(`line ${i + 1}: symbol ${sym} out of order`);
    if (bits.length !== len) fail(`symbol ${sym}: ${bits.length} bits but length says ${len}`);
    if (parseInt(bits, 2) !== code) fail(`symbol ${sym}: bits and hex disagree`);
    if (len > 30) fail(`symbol ${sym}: codes longer than 30 bits are not expected`);
    rows.push({ bits, code, len });
  }
  if (rows.length !== 257) fail(`expected 257 symbols, got ${rows.length}`);
  return rows;
}

/**
 * Builds the code tree. Internal nodes get ids in creation order with the
 * root as 0; `child[id][bit]` is either an internal node id (>= 0) or a leaf
 * encoded as -(sym + 1).
 */
function buildTree(rows) {
  const child = [[null, null]];
  const path = [''];
  for (const [sym, { bits }] of rows.entries()) {
    let node = 0;
    for (let i = 0; i < bits.length; i++) {
      const bit = Number(bits[i]);
      const next = child[node][bit];
      if (i === bits.length - 1) {
        if (next !== null) fail(`symbol ${sym}: code is a prefix of (or equal to) another code`);
        child[node][bit] = -(sym + 1);
      } else if (next === null) {
        child.push([null, null]);
        path.push(path[node] + bit);
        child[node][bit] = child.length - 1;
        node = child.length - 1;
      } else if (next < 0) {
        fail(`symbol ${sym}: another code is a prefix of this one`);
      } else {
        node = next;
      }
    }
  }
  for (const [id, kids] of child.entries()) {
    if (kids[0] === null || kids[1] === null) fail(`code is not complete below node ${path[id]}`);
  }
  if (child.length !== 256) fail(`expected 256 internal nodes, got ${child.length}`);
  return { child, path };
}

function buildDecode({ child, path }) {
  const decode = new Array(256 * 16);
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let shift = 3; shift >= 0; shift--) {
        const next = child[node][(nibble >> shift) & 1];
        if (next >= 0) {
          node = next;
          continue;
        }
        const sym = -next - 1;
        if (sym === EOS) {
          entry = 1 << 17;
          node = 0;
          break;
        }
        if (entry & (1 << 16)) fail('two symbols in one nibble');
        entry = (1 << 16) | (sym << 8);
        node = 0;
      }
      decode[state * 16 + nibble] = entry | node;
    }
  }
  const final = path.map((p) => (!/^1*$/.test(p) ? 2 : p.length > 7 ? 1 : 0));
  return { decode, final };
}

function rowsOf(values, perLine, fmt) {
  const lines = [];
  for (let i = 0; i < values.length; i += perLine) {
    lines.push('  ' + values.slice(i, i + perLine).map(fmt).join(', ') + ',');
  }
  return lines.join('\n');
}

function render(rows, { decode, final }) {
  const hex = (n) => '0x' + n.toString(16);
  return `// GENERATED FILE — do not edit. Source: scripts/rfc7541-huffman.txt (RFC 7541 Appendix B).
// Regenerate with \`node scripts/gen-huffman.mjs\` (or \`npm run gen:huffman\`); see that script for the layout.

/** Code of each symbol 0..256 (256 = EOS), aligned to the least significant bit. */
export const HUFFMAN_CODES = new Uint32Array([
${rowsOf(
  rows.map((r) => r.code),
  8,
  hex,
)}
]);

/** Length in bits of each symbol's code. */
export const HUFFMAN_LENGTHS = new Uint8Array([
${rowsOf(
  rows.map((r) => r.len),
  16,
  String,
)}
]);

/** Nibble decoder: entry [state * 16 + nibble] = next state | sym << 8 | emitted << 16 | eos << 17. */
export const HUFFMAN_DECODE = new Uint32Array([
${rowsOf(decode, 8, hex)}
]);

/** Per state: 0 = a string may end here, 1 = padding longer than 7 bits, 2 = padding not all ones (RFC 7541 §5.2). */
export const HUFFMAN_FINAL = new Uint8Array([
${rowsOf(final, 32, String)}
]);
`;
}

const rows = parseTable(readFileSync(SOURCE, 'utf8'));
const output = render(rows, buildDecode(buildTree(rows)));

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(TARGET, 'utf8');
  } catch {
    // missing file is stale
  }
  if (current !== output) fail(`${TARGET} is stale: run node scripts/gen-huffman.mjs`);
  console.log('gen-huffman: up to date');
} else {
  writeFileSync(TARGET, output);
  console.log(`gen-huffman: wrote ${TARGET}`);
}
