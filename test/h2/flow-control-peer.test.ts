/**
 * The flow-control contract over a real socket, checked by a peer that speaks
 * raw frames and counts every DATA octet against the credit it granted.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { Token, WriteMode, type Transaction } from '../../lib/index.js';
import { Flag, FrameType, H2Peer, SettingsId, type Frame } from '../support/h2-peer.js';
import { start } from '../support/server.js';

const pattern = (n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
};

const dataOn = (peer: H2Peer, streamId: number): Frame[] => peer.frames.filter((f) => f.type === FrameType.DATA && f.streamId === streamId);
const bytesOn = (peer: H2Peer, streamId: number): number => dataOn(peer, streamId).reduce((n, f) => n + f.payload.length, 0);
const allData = (peer: H2Peer): number => peer.frames.filter((f) => f.type === FrameType.DATA).reduce((n, f) => n + f.payload.length, 0);

/** Wait until the server has been silent for `quietMs` (it sent all it was allowed to). */
async function settle(peer: H2Peer, quietMs = 80): Promise<void> {
  let count = -1;
  while (count !== peer.frames.length) {
    count = peer.frames.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/** A handler that sends `size` bytes of a fixed pattern with one write() per request. */
function download(size: number) {
  const body = pattern(size);
  return async (tx: Transaction): Promise<void> => {
    tx.status(200).headerByToken(Token.CONTENT_LENGTH, body.length).finalizeHeaders();
    await tx.write(body, WriteMode.HTTP_FINAL);
  };
}

t.test('no DATA octet beyond the stream window, then beyond the connection window', async (t) => {
  const { port } = await start(t, download(200_000));
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1000]] });
  t.teardown(() => peer.close());
  peer.request(1, '/big');
  await peer.next((f) => f.type === FrameType.HEADERS && f.streamId === 1);
  await settle(peer);
  t.equal(bytesOn(peer, 1), 1000, 'exactly the initial stream window');
  peer.windowUpdate(1, 500);
  await settle(peer);
  t.equal(bytesOn(peer, 1), 1500, 'exactly the credit added');
  peer.windowUpdate(1, 1_000_000);
  await settle(peer);
  t.equal(bytesOn(peer, 1), 65_535, 'stopped by the connection window (65,535)');
  peer.windowUpdate(0, 200_000);
  const end = await peer.next((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
  t.equal(end.streamId, 1);
  const body = Buffer.concat(dataOn(peer, 1).map((f) => f.payload));
  t.same(createHash('sha256').update(body).digest('hex'), createHash('sha256').update(pattern(200_000)).digest('hex'), 'body intact');
});

t.test('a SETTINGS change that makes a window negative: nothing is sent until it is positive again', async (t) => {
  const { port } = await start(t, download(50_000));
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 10_000]] });
  t.teardown(() => peer.close());
  peer.request(1, '/big');
  await settle(peer);
  t.equal(bytesOn(peer, 1), 10_000);
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 4000]]); // window: 0 + (4000 - 10000) = -6000
  await peer.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
  peer.windowUpdate(1, 5000); // -1000
  await settle(peer);
  t.equal(bytesOn(peer, 1), 10_000, 'no DATA while the window is -1000');
  peer.windowUpdate(1, 1500); // +500
  await settle(peer);
  t.equal(bytesOn(peer, 1), 10_500, 'exactly 500 once it is +500');
  peer.settings([[SettingsId.INITIAL_WINDOW_SIZE, 100_000]]); // +96,000
  await peer.next((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
  t.equal(bytesOn(peer, 1), 50_000, 'the rest flows once SETTINGS grow the window');
});

t.test('a zero-credit stream gets no writable event until WINDOW_UPDATE, and never writes past its allowance', async (t) => {
  const events: number[] = [];
  const total = 40_000;
  let sent = 0;
  const { port } = await start(t, (tx) => {
    tx.status(200).headerByToken(Token.CONTENT_LENGTH, total).finalizeHeaders();
    tx.onWritable(() => {
      const allowance = tx.peerWriteAllowance();
      events.push(allowance);
      const n = Math.min(allowance, total - sent);
      sent += n;
      void tx.write(pattern(n), sent === total ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
      if (sent < total) tx.requestWritable();
    });
    tx.requestWritable();
  });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 0]] });
  t.teardown(() => peer.close());
  peer.request(1, '/');
  await peer.next((f) => f.type === FrameType.HEADERS && f.streamId === 1);
  await settle(peer, 150);
  t.same(events, [], 'no writable event while credit is 0');
  t.equal(bytesOn(peer, 1), 0);
  peer.windowUpdate(1, 3000);
  await settle(peer);
  t.same(events, [3000], 'one event, reporting the 3000 octets granted');
  t.equal(bytesOn(peer, 1), 3000);
  peer.windowUpdate(1, 7000);
  await settle(peer);
  t.same(events, [3000, 7000]);
  peer.windowUpdate(1, 100_000);
  await peer.next((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
  t.equal(bytesOn(peer, 1), total);
  t.ok(events.every((a) => a > 0), 'every event had credit');
});

t.test('DATA frames never exceed the peer SETTINGS_MAX_FRAME_SIZE', async (t) => {
  const { port } = await start(t, download(300_000));
  for (const max of [16_384, 20_000, 100_000]) {
    const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1 << 24], [SettingsId.MAX_FRAME_SIZE, max]] });
    peer.windowUpdate(0, 1 << 24);
    peer.request(1, '/');
    await peer.next((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
    const sizes = dataOn(peer, 1).map((f) => f.payload.length);
    t.equal(Math.max(...sizes), max, `largest frame is exactly ${max}`);
    t.equal(sizes.reduce((a, b) => a + b, 0), 300_000);
    peer.close();
  }
});

t.test('a header block larger than SETTINGS_MAX_FRAME_SIZE is split into CONTINUATION frames', async (t) => {
  const { port } = await start(t, (tx) => tx.respond(200, { 'x-big': 'v'.repeat(40_000) }, 'ok'));
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.request(1, '/');
  const res = await peer.response(1);
  t.equal(res.headers.find(([n]) => n === 'x-big')?.[1].length, 40_000);
  const blockFrames = peer.frames.filter((f) => f.streamId === 1 && (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION));
  t.ok(blockFrames.length >= 2, 'HEADERS + CONTINUATION');
  t.ok(blockFrames.every((f) => f.payload.length <= 16_384));
});

t.test('four streams sharing a small connection window all make progress (round-robin)', async (t) => {
  const { port } = await start(t, download(400_000));
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1 << 24]] });
  t.teardown(() => peer.close());
  for (const id of [1, 3, 5, 7]) peer.request(id, '/');
  await settle(peer);
  t.equal(allData(peer), 65_535, 'the connection window bounds all streams together');
  for (const id of [1, 3, 5, 7]) t.ok(bytesOn(peer, id) > 0, `stream ${id} progressed within the first window`);
  for (let round = 0; round < 20; round++) {
    const before = [1, 3, 5, 7].map((id) => bytesOn(peer, id));
    peer.windowUpdate(0, 65_536);
    await settle(peer, 30);
    const after = [1, 3, 5, 7].map((id) => bytesOn(peer, id));
    const gains = after.map((a, i) => a - before[i]!);
    if (gains.some((g) => g === 0)) return t.fail(`round ${round}: a stream got nothing: ${gains.join(',')}`);
  }
  t.pass('every stream gained in every one of 20 rounds of 64 KiB');
  t.equal(allData(peer), 65_535 + 20 * 65_536, 'never more than the connection credit');
});

t.test('a small response is not starved by large downloads on the same connection', async (t) => {
  const big = pattern(2_000_000);
  const { port } = await start(t, async (tx) => {
    if (tx.request.path === '/small') return tx.respond(200, {}, 'small');
    tx.status(200).finalizeHeaders();
    await tx.write(big, WriteMode.HTTP_FINAL);
  });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 1 << 24]] });
  t.teardown(() => peer.close());
  peer.request(1, '/large');
  peer.request(3, '/large');
  await settle(peer);
  peer.request(5, '/small');
  await peer.next((f) => f.type === FrameType.HEADERS && f.streamId === 5);
  peer.windowUpdate(0, 65_536);
  const res = await peer.response(5);
  t.equal(res.body.toString(), 'small', 'the small response completes with the first credit grant');
  t.ok(allData(peer) <= 65_535 + 65_536);
});

t.test('write() larger than the allowance resolves only once the credit for all of it arrived', async (t) => {
  let resolvedAt = -1;
  const { port } = await start(t, async (tx) => {
    tx.status(200).finalizeHeaders();
    await tx.write(pattern(30_000));
    resolvedAt = Date.now();
    await tx.end();
  });
  const peer = await H2Peer.connect(port, { settings: [[SettingsId.INITIAL_WINDOW_SIZE, 10_000]] });
  t.teardown(() => peer.close());
  peer.request(1, '/');
  await settle(peer);
  t.equal(resolvedAt, -1, 'still waiting with 10,000 of 30,000 sent');
  const granted = Date.now();
  peer.windowUpdate(1, 20_000);
  await peer.next((f) => f.type === FrameType.DATA && (f.flags & Flag.END_STREAM) !== 0);
  t.ok(resolvedAt >= granted, 'resolved after the WINDOW_UPDATE');
  t.equal(bytesOn(peer, 1), 30_000);
});

t.test('request bodies: WINDOW_UPDATE follows consumption, a slow handler stalls the uploader', async (t) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let received = 0;
  const { port } = await start(
    t,
    async (tx) => {
      await gate;
      for await (const chunk of tx.request.body) received += (chunk as Buffer).length;
      await tx.respond(200, {}, String(received));
    },
    { h2: { initialWindowSize: 65_536 } },
  );
  const peer = await H2Peer.connect(port, { settings: [] });
  t.teardown(() => peer.close());
  t.equal(peer.serverSettings.get(SettingsId.INITIAL_WINDOW_SIZE), 65_536);
  peer.request(1, '/upload', { method: 'POST', endStream: false });
  const chunk = Buffer.alloc(16_384, 1);
  for (let i = 0; i < 4; i++) peer.data(1, chunk);
  await settle(peer);
  t.notOk(peer.frames.some((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 1), 'no stream credit while the handler has not read');
  release();
  await peer.next((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 1);
  t.pass('credit returned once the handler read');
  peer.data(1, chunk, true);
  const res = await peer.response(1);
  t.equal(res.body.toString(), String(5 * 16_384));
});

t.test('DATA beyond the advertised stream window is a FLOW_CONTROL_ERROR stream error', async (t) => {
  const { port } = await start(t, () => {}, { h2: { initialWindowSize: 16_384 } });
  const peer = await H2Peer.connect(port);
  t.teardown(() => peer.close());
  peer.request(1, '/', { method: 'POST', endStream: false });
  peer.data(1, Buffer.alloc(16_384));
  peer.data(1, Buffer.alloc(1));
  t.equal(await peer.rstCode(1), 0x3);
});
