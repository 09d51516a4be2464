/**
 * RFC 7541 (HPACK) as the server applies it to request header blocks, and
 * RFC 9113 §4.3: every decoding error is a connection error COMPRESSION_ERROR.
 * Blocks are written octet by octet (static table and unindexed literals
 * only), so the dynamic table holds exactly what each test puts in it.
 * h2spec: hpack 2.3.3 (2 cases), 4.2 (1), 5.2 (3), 6.1 (1), 6.3 (1).
 */
import t from 'tap';
import type { Test } from 'tap';
import { Flag, FrameType, SettingsId, type H2Peer } from '../support/h2-peer.js';
import {
  ErrorCode,
  commonHeaders,
  expectConnectionError,
  headersFrame,
  hpackInt,
  hpackString,
  huffmanBits,
  plainRequest,
  serve,
} from '../support/conformance.js';

const END = Flag.END_STREAM | Flag.END_HEADERS;
const latin1 = (s: string): number[] => [...Buffer.from(s, 'latin1')];

/** §6.2.1 literal with incremental indexing, new name. */
const addNew = (name: string, value: string): Buffer => Buffer.concat([Buffer.from([0x40]), hpackString(name), hpackString(value)]);
/** §6.1 indexed field. */
const indexed = (i: number): Buffer => hpackInt(i, 7, 0x80);

/** A request on `streamId` made of `parts` after the plain pseudo-headers; resolves with its status. */
async function request(peer: H2Peer, port: number, streamId: number, ...parts: Buffer[]): Promise<number> {
  headersFrame(peer, streamId, END, Buffer.concat([plainRequest(port), ...parts]));
  return (await peer.response(streamId)).status;
}

/** A block that must fail to decode. */
async function compressionError(t: Test, peer: H2Peer, streamId: number, block: Buffer): Promise<void> {
  headersFrame(peer, streamId, END, block);
  await expectConnectionError(t, peer, [ErrorCode.COMPRESSION_ERROR]);
}

t.test('2.3.3 (h2spec hpack/2.3.3/1) an indexed field beyond both tables is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), indexed(70)]));
});

t.test('2.3.3 (h2spec hpack/2.3.3/2) a literal whose name index is beyond both tables is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), hpackInt(70, 6, 0x40), hpackString('')]));
});

t.test('2.3.3 index 62 with an empty dynamic table is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), indexed(62)]));
});

t.test('4.2 (h2spec hpack/4.2/1) a dynamic table size update at the end of a block is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), hpackInt(1, 5, 0x20)]));
});

t.test('5.2 (h2spec hpack/5.2/1) Huffman padding longer than 7 bits is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  const value = huffmanBits(latin1('test'), 'eos+octet');
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), Buffer.from([0x00]), hpackString('x-test', true), hpackInt(value.length, 7, 0x80), value]));
});

t.test('5.2 (h2spec hpack/5.2/2) Huffman padding that is not a prefix of EOS (zeros) is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  const value = huffmanBits(latin1('test'), 'zeros');
  t.not(value.at(-1)! & 1, 1, 'the last bit is padding, and zero');
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), Buffer.from([0x00]), hpackString('x-test', true), hpackInt(value.length, 7, 0x80), value]));
});

t.test('5.2 (h2spec hpack/5.2/3) a Huffman string containing EOS is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  const value = huffmanBits([...latin1('tes'), 256, ...latin1('t')]);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), Buffer.from([0x00]), hpackString('x-test', true), hpackInt(value.length, 7, 0x80), value]));
});

t.test('5.2 a Huffman-coded value with valid padding decodes', async (t) => {
  const { peer, port, seen } = await serve(t);
  t.equal(await request(peer, port, 1, Buffer.from([0x00]), hpackString('x-test', true), hpackString('huffman coded', true)), 200);
  t.same(seen[0]?.headers, [['x-test', 'huffman coded']]);
});

t.test('5.1 an integer above the implementation limit is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])]));
});

t.test('5.1 an integer cut by the end of the block is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), Buffer.from([0xff])]));
});

t.test('5.2 a string literal longer than the rest of the block is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), Buffer.from([0x00]), hpackInt(10, 7, 0), Buffer.from('abc')]));
});

t.test('6.1 (h2spec hpack/6.1/1) index 0 is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  await compressionError(t, peer, 1, Buffer.concat([plainRequest(port), indexed(0)]));
});

t.test('6.3 (h2spec hpack/6.3/1) a size update above SETTINGS_HEADER_TABLE_SIZE is a decoding error', async (t) => {
  const { peer, port } = await serve(t);
  const limit = peer.serverSettings.get(SettingsId.HEADER_TABLE_SIZE) ?? 4096;
  await compressionError(t, peer, 1, Buffer.concat([hpackInt(limit + 1, 5, 0x20), plainRequest(port)]));
});

t.test('2.3.2 the dynamic table lives across header blocks; index 62 is the newest entry', async (t) => {
  const { peer, port, seen } = await serve(t);
  t.equal(await request(peer, port, 1, addNew('x-custom', 'one')), 200);
  t.equal(await request(peer, port, 3, addNew('x-second', 'two'), indexed(63), indexed(62)), 200);
  t.same(seen[1]?.headers, [
    ['x-second', 'two'],
    ['x-custom', 'one'],
    ['x-second', 'two'],
  ]);
});

t.test('6.2.2 a literal without indexing does not enter the dynamic table', async (t) => {
  const { peer, port } = await serve(t);
  t.equal(await request(peer, port, 1, Buffer.from([0x00]), hpackString('x-a'), hpackString('1')), 200);
  await compressionError(t, peer, 3, Buffer.concat([plainRequest(port), indexed(62)]));
});

t.test('6.2.3 a never-indexed literal does not enter the dynamic table', async (t) => {
  const { peer, port } = await serve(t);
  t.equal(await request(peer, port, 1, Buffer.from([0x10]), hpackString('x-a'), hpackString('1')), 200);
  await compressionError(t, peer, 3, Buffer.concat([plainRequest(port), indexed(62)]));
});

t.test('4.3 eviction: in a 64-octet table the second 36-octet entry evicts the first', async (t) => {
  const { peer, port, seen } = await serve(t);
  headersFrame(peer, 1, END, Buffer.concat([hpackInt(64, 5, 0x20), plainRequest(port), addNew('x-a', '1'), addNew('x-b', '2')]));
  t.equal((await peer.response(1)).status, 200);
  t.equal(await request(peer, port, 3, indexed(62)), 200);
  t.same(seen[1]?.headers, [['x-b', '2']], 'index 62 is the entry that stayed');
  await compressionError(t, peer, 5, Buffer.concat([plainRequest(port), indexed(63)]));
});

t.test('4.4 an entry larger than the table empties it and is not an error', async (t) => {
  const { peer, port, seen } = await serve(t);
  t.equal(await request(peer, port, 1, addNew('x-a', '1')), 200);
  headersFrame(peer, 3, END, Buffer.concat([hpackInt(100, 5, 0x20), plainRequest(port), addNew('x-big', 'v'.repeat(100))]));
  t.equal((await peer.response(3)).status, 200, '137 octets into a 100-octet table: accepted');
  t.equal(seen[1]?.headers.find(([n]) => n === 'x-big')?.[1].length, 100, 'the field is still delivered');
  await compressionError(t, peer, 5, Buffer.concat([plainRequest(port), indexed(62)]));
});

t.test('6.3 a size update to 0 evicts every entry', async (t) => {
  const { peer, port } = await serve(t);
  t.equal(await request(peer, port, 1, addNew('x-a', '1')), 200);
  headersFrame(peer, 3, END, Buffer.concat([hpackInt(0, 5, 0x20), plainRequest(port)]));
  t.equal((await peer.response(3)).status, 200);
  await compressionError(t, peer, 5, Buffer.concat([plainRequest(port), indexed(62)]));
});

t.test('RFC 9113 4.3.1 the server encoder honours SETTINGS_HEADER_TABLE_SIZE 0: a size update, then no indexing', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.HEADER_TABLE_SIZE, 0]] });
  peer.decoder.setMaxTableSize(0); // acknowledged in the handshake
  for (const id of [1, 3, 5]) {
    peer.headers(id, commonHeaders(port), { endStream: true });
    t.equal((await peer.response(id)).status, 200);
  }
  const blocks = peer.frames.filter((f) => f.type === FrameType.HEADERS);
  t.same(blocks.map((f) => f.decodeError?.message), [undefined, undefined, undefined], 'every response block decodes with a 0-octet table');
  t.equal(peer.decoder.table.length, 0, 'the server indexed nothing');
});

t.test('RFC 9113 4.3.1 the server encoder honours a small SETTINGS_HEADER_TABLE_SIZE (256)', async (t) => {
  const { peer, port } = await serve(t, { settings: [[SettingsId.HEADER_TABLE_SIZE, 256]] });
  peer.decoder.setMaxTableSize(256);
  for (const id of [1, 3, 5, 7]) {
    peer.headers(id, commonHeaders(port, 'GET', `/header?n=${40 * id}`), { endStream: true });
    t.equal((await peer.response(id)).status, 200);
  }
  t.same(peer.frames.filter((f) => f.decodeError).map((f) => f.decodeError?.message), [], 'every response block decodes');
  t.ok(peer.decoder.table.size <= 256, 'the table stays within 256 octets', { size: peer.decoder.table.size });
});

t.test('RFC 7541 4.2 SETTINGS_HEADER_TABLE_SIZE lowered then raised between two blocks: the next block signals the minimum, then the final size', async (t) => {
  const { peer, port } = await serve(t);
  peer.headers(1, commonHeaders(port), { endStream: true });
  t.equal((await peer.response(1)).status, 200);
  peer.settings([
    [SettingsId.HEADER_TABLE_SIZE, 0],
    [SettingsId.HEADER_TABLE_SIZE, 4096],
  ]);
  await peer.settingsAck();
  peer.headers(3, commonHeaders(port), { endStream: true });
  t.equal((await peer.response(3)).status, 200);
  const head = peer.frames.find((f) => f.type === FrameType.HEADERS && f.streamId === 3)!;
  t.same([...head.payload.subarray(0, 4)], [0x20, 0x3f, 0xe1, 0x1f], 'size update 0 (evicts everything), then 4096, first in the block');
  t.equal(head.decodeError, undefined, 'the block decodes');
});
