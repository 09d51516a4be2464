/**
 * The file mount under a raw HTTP/2 peer that controls credit exactly: with a
 * zero stream window it sends headers and no DATA; each WINDOW_UPDATE lets out
 * exactly that many bytes; a reset mid-file stops the reads and closes the file.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createMountHandler } from '../../mounts/index.js';
import { FrameType, H2Peer, SettingsId } from '../support/h2-peer.js';
import { start } from '../support/server.js';
import { makeSite } from './site.js';

/** Bytes of DATA the peer has received on `streamId` so far. */
function dataBytes(peer: H2Peer, streamId: number): number {
  return peer.frames.filter((f) => f.type === FrameType.DATA && f.streamId === streamId).reduce((n, f) => n + f.payload.length, 0);
}

/** Open file descriptors of this process that point at `file`. */
function openFds(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++;
    } catch {
      // closed while listing
    }
  }
  return n;
}

const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms));

t.test('zero window: headers only; each WINDOW_UPDATE releases exactly its bytes; the file arrives intact', async (t) => {
  const site = makeSite(t);
  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0]] });
  t.teardown(() => peer.close());
  peer.request(1, '/big.bin');
  const head = await peer.next((f) => f.type === FrameType.HEADERS && f.streamId === 1);
  t.equal(head.headers?.find(([n]) => n === ':status')?.[1], '200');
  await peer.sync();
  await settle();
  t.equal(dataBytes(peer, 1), 0, 'no credit, no DATA');

  peer.windowUpdate(1, 1000);
  await peer.next((f) => f.type === FrameType.DATA && f.streamId === 1);
  await peer.sync();
  await settle();
  t.equal(dataBytes(peer, 1), 1000, 'exactly the credit granted');

  const size = site.big.length;
  peer.windowUpdate(0, size); // the connection window, beyond its initial 65,535
  peer.windowUpdate(1, size - 1000);
  const r = await peer.response(1, 20_000);
  t.ok(Buffer.concat(peer.frames.filter((f) => f.type === FrameType.DATA && f.streamId === 1).map((f) => f.payload)).equals(site.big), 'the whole file, in order');
  t.equal(r.status, 200);
});

t.test('a reset mid-file stops the transfer and closes the file', async (t) => {
  const site = makeSite(t);
  const file = path.join(site.root, 'big.bin');
  const { port } = await start(t, createMountHandler([{ mountpoint: '/', origin: 'file://root' }], { baseDir: site.base, callbacks: {} }));
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 4096]] });
  t.teardown(() => peer.close());
  peer.request(1, '/big.bin');
  await peer.next((f) => f.type === FrameType.DATA && f.streamId === 1);
  t.equal(openFds(file), 1, 'the file is open while the response waits for credit');
  peer.rst(1, 0x8); // CANCEL
  await peer.sync();
  for (let i = 0; i < 50 && openFds(file) > 0; i++) await settle(20);
  t.equal(openFds(file), 0, 'closed after the reset');
  peer.request(3, '/hello.txt');
  const r = await peer.response(3);
  t.equal(r.body.toString(), 'hello world\n', 'the connection serves on');
});
