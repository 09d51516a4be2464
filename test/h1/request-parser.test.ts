import t from 'tap';
import { H1ParseError, RequestParser, type ParseEvent } from '../../lib/h1/request-parser.js';
import { bytes } from './fixtures/harness.js';

function pull(parser: RequestParser): ParseEvent[] {
  const events: ParseEvent[] = [];
  for (let event = parser.next(); event !== null; event = parser.next()) events.push(event);
  return events;
}

const types = (events: ParseEvent[]): string[] => events.map((e) => (e.type === 'body' ? `body:${e.chunk.toString('latin1')}` : e.type));

t.test('body chunks are zero-copy slices of the pushed buffer', async (t) => {
  const head = 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n';
  const input = bytes(`${head}hello`);
  const parser = new RequestParser();
  parser.push(input);
  const [, body] = pull(parser);
  t.equal(body?.type, 'body');
  if (body?.type !== 'body') return;
  t.equal(body.chunk.buffer, input.buffer, 'same memory');
  t.equal(body.chunk.byteOffset, input.byteOffset + head.length, 'at the body offset');
});

t.test('a Content-Length body is emitted as it arrives, not buffered', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc'));
  t.same(types(pull(parser)), ['head', 'body:abc']);
  t.equal(parser.buffered, 0, 'nothing held back');
  parser.push(bytes('defg'));
  t.same(types(pull(parser)), ['body:defg']);
  parser.push(bytes('hijGET'));
  t.same(types(pull(parser)), ['body:hij', 'end'], 'the body stops at its length');
  t.equal(parser.buffered, 3, 'the next request waits');
});

t.test('chunk data is emitted before the chunk is complete', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\na\r\n01234'));
  t.same(types(pull(parser)), ['head', 'body:01234']);
  parser.push(bytes('56789\r\n0\r\n\r\n'));
  t.same(types(pull(parser)), ['body:56789', 'end']);
});

t.test('pipelined requests are parsed one message at a time, only when pulled', async (t) => {
  const second = 'POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx';
  const third = 'GET /3 HTTP/1.1\r\nHost: h\r\n\r\n';
  const all = `GET /1 HTTP/1.1\r\nHost: h\r\n\r\n${second}${third}`;
  const parser = new RequestParser();
  parser.push(bytes(all));
  t.equal(parser.buffered, all.length, 'nothing parsed before the first pull');
  const first = parser.next();
  t.equal(first?.type === 'head' && first.head.path, '/1');
  t.equal(parser.buffered, second.length + third.length, 'later requests untouched');
  t.equal(parser.next()?.type, 'end');
  t.equal(parser.buffered, second.length + third.length, "'end' does not start the next request");
  t.same(types(pull(parser)), ['head', 'body:x', 'end', 'head', 'end']);
});

t.test('buffered counts a partial line; completed head lines are consumed', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('GET / HTTP/1.1\r\nHo'));
  t.equal(parser.next(), null);
  t.equal(parser.buffered, 2);
  parser.push(Buffer.alloc(0));
  t.equal(parser.buffered, 2, 'empty pushes are ignored');
  parser.push(bytes('st: h\r\n\r\n'));
  t.same(types(pull(parser)), ['head', 'end']);
});

t.test('takeRemaining after an accepted upgrade hands back every unparsed byte', async (t) => {
  const frame = Buffer.from([0x81, 0x85, 1, 2, 3, 4, 0x0d, 0x0a, 0x0d, 0x0a, 0]);
  const parser = new RequestParser();
  parser.push(Buffer.concat([bytes('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), frame]));
  const head = parser.next();
  t.equal(head?.type === 'head' && head.head.upgrade, 'websocket');
  t.equal(parser.next()?.type, 'end', 'no body framing: end right after head');
  t.same(parser.takeRemaining(), frame);
  t.equal(parser.buffered, 0);
  t.equal(parser.next(), null, 'no parsing after takeRemaining');
  parser.push(bytes('later'));
  t.equal(parser.next(), null);
  t.same(parser.takeRemaining(), bytes('later'), 'later bytes come back too');
});

t.test('CONNECT: head, end, then the tunnel bytes', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\n'));
  parser.push(bytes('\x16\x03\x01tls'));
  t.same(types([parser.next(), parser.next()].filter((e): e is ParseEvent => e !== null)), ['head', 'end']);
  t.same(parser.takeRemaining(), bytes('\x16\x03\x01tls'));
});

t.test('takeRemaining includes a partial line', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('GET / HT'));
  parser.push(bytes('TP/1'));
  t.equal(parser.next(), null);
  t.same(parser.takeRemaining(), bytes('GET / HTTP/1'));
});

t.test('an upgrade request with a body: the body first, then takeRemaining', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('POST / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nokPRI'));
  t.same(types(pull(parser).slice(1)), ['body:ok', 'end']);
  t.same(parser.takeRemaining(), bytes('PRI'));
});

t.test('errors are H1ParseErrors and stay', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n'));
  let first: unknown;
  try {
    parser.next();
  } catch (error) {
    first = error;
  }
  t.ok(first instanceof H1ParseError, 'H1ParseError');
  t.ok(first instanceof Error, 'an Error');
  if (!(first instanceof H1ParseError)) return;
  t.equal(first.name, 'H1ParseError');
  t.equal(first.code, 'SLUICE_ERR_H1_DUPLICATE_HOST');
  t.equal(first.status, 400);
  t.throws(() => parser.next(), first, 'thrown again');
  const before = parser.buffered;
  parser.push(bytes('more'));
  t.equal(parser.buffered, before, 'input after a failure is dropped');
});

t.test('trailers that are all dropped produce no trailers event', async (t) => {
  const parser = new RequestParser();
  parser.push(bytes('POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 3\r\nHost: x\r\n\r\n'));
  t.same(types(pull(parser)), ['head', 'end']);
});
