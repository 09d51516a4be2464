import t from 'tap';
import { H1ParseError, RequestParser } from '../../lib/h1/request-parser.js';
import { bytes, prng } from './fixtures/harness.js';

const SEEDS = [1, 2, 3, 4];
const MUTANTS_PER_SEED = 1000;

const corpus = [
  'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n',
  'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b;c="d"\r\nhello\r\n0\r\nX-T: 1\r\n\r\n',
  'GET http://h:80/x HTTP/1.1\r\nHost: h\r\n\r\nOPTIONS * HTTP/1.1\r\nHost: h\r\n\r\nCONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n',
  '\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\nUpgrade: websocket\r\nX-O: caf\xe9\r\n\r\n',
].map(bytes);

/** Bytes that matter to the grammar, so mutations hit interesting paths more often than random bytes would. */
const INTERESTING = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x2c, 0x3b, 0x3d, 0x22, 0x5c, 0x30, 0x61, 0x46, 0x2f, 0x2a, 0x00, 0x7f, 0xff];

function mutate(input: Buffer, random: () => number): Buffer {
  const pick = (n: number): number => Math.floor(random() * n);
  const byte = (): number => (random() < 0.7 ? (INTERESTING[pick(INTERESTING.length)] as number) : pick(256));
  let out = Buffer.from(input);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const at = pick(out.length + 1);
    switch (pick(5)) {
      case 0:
        if (at < out.length) out[at] = byte();
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([byte()]), out.subarray(at)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + pick(8))]);
        break;
      case 3: {
        const from = pick(out.length);
        out = Buffer.concat([out.subarray(0, at), out.subarray(from, from + pick(32)), out.subarray(at)]);
        break;
      }
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
}

/** Feed `input` in random pieces; returns 'ok' or the H1ParseError code. Any other exception fails the test. */
function feed(input: Buffer, random: () => number): string {
  const parser = new RequestParser({ maxHeaderBytes: 512, maxRequestTargetBytes: 64, maxChunkExtensionBytes: 16, maxTrailerBytes: 64 });
  let offset = 0;
  let bodyBytes = 0;
  try {
    while (offset < input.length) {
      const size = 1 + Math.floor(random() * 40);
      parser.push(input.subarray(offset, offset + size));
      offset += size;
      // Every event consumes input or follows one that did, so this bound is generous.
      for (let n = 0; ; n++) {
        if (n > 2 * input.length + 8) throw new Error('no progress: parser keeps returning events');
        const event = parser.next();
        if (event === null) break;
        if (event.type === 'body') bodyBytes += event.chunk.length;
      }
      if (parser.buffered > input.length) throw new Error('buffered more than was pushed');
    }
  } catch (error) {
    if (error instanceof H1ParseError) return error.code;
    throw error;
  }
  if (bodyBytes > input.length) throw new Error('more body bytes than input');
  return 'ok';
}

for (const seed of SEEDS) {
  t.test(`seed ${seed}: mutated requests parse or fail with H1ParseError`, async (t) => {
    const random = prng(seed);
    const outcomes = new Map<string, number>();
    let unexpected: string | null = null;
    for (let i = 0; i < MUTANTS_PER_SEED && unexpected === null; i++) {
      const input = mutate(corpus[i % corpus.length] as Buffer, random);
      try {
        const result = feed(input, random);
        outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
      } catch (error) {
        unexpected = `mutant ${i} ${JSON.stringify(input.toString('latin1'))}: ${String(error)}`;
      }
    }
    t.equal(unexpected, null, 'only H1ParseError, always progress');
    t.ok((outcomes.get('ok') ?? 0) > 0, 'some mutants still parse');
    t.ok(outcomes.size > 5, `many different outcomes (${outcomes.size})`);
  });
}
