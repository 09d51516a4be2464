/**
 * The credit round trip on its own, no sockets: a stream with plenty of
 * response bytes queued and no credit left; each operation is one read from
 * the peer holding WINDOW_UPDATE +32 KiB for the stream and for the
 * connection (what nghttp2 sends when a 64 KiB window is half consumed),
 * and what the session does with it: parse, credit, pump, two 16 KiB DATA
 * frames handed to the transport. Issue "Performance where credit is tight"
 * watches this number over time.
 * @module
 */
import type { Bench } from 'tinybench';
import * as encode from '../../lib/h2/frame/encode.js';
import { CLIENT_PREFACE, FrameType } from '../../lib/h2/frame/constants.js';
import { HpackEncoder } from '../../lib/h2/hpack/index.js';
import { H2Session } from '../../lib/h2/session.js';
import type { H2Stream } from '../../lib/h2/stream.js';
import { REQUEST } from './hpack.js';

const BODY = Buffer.alloc(64 << 20, 0x61);

export function register(bench: Bench): void {
  let stream: H2Stream | null = null;
  let written = 0;
  const session = new H2Session({
    write: (data) => void (written += data.length),
    bufferedAmount: () => 0,
    end: () => {},
    onRequest: (s) => {
      stream = s;
      s.sendHead(200, [['content-type', 'application/octet-stream']], false);
    },
  });
  session.start();
  session.receive(Buffer.concat([CLIENT_PREFACE, encode.encodeSettings([]), encode.encodeFrame(FrameType.SETTINGS, 1, 0)]));
  session.receive(encode.encodeHeaderBlock(1, new HpackEncoder().encode(REQUEST), true, 16_384));
  const refill = (): void => {
    // Keep more than one round trip's worth queued (the last bytes of one body sit before the next).
    if (stream && stream.queuedBytes < 65_536) void stream.sendData(BODY, false).catch(() => {});
  };
  refill();
  // Spend the initial 65,535 octets of credit so each round trip starts at zero.
  session.receive(Buffer.alloc(0));
  const update = Buffer.concat([encode.encodeWindowUpdate(1, 32_768), encode.encodeWindowUpdate(0, 32_768)]);
  bench.add('h2 credit round trip: WINDOW_UPDATE +32 KiB in, 2 DATA frames out (session only)', () => {
    refill();
    const before = written;
    session.receive(update);
    if (written - before < 32_768) throw new Error(`the round trip sent ${written - before} octets, not 32 KiB`);
  });
}
