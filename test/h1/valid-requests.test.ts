import { isDeepStrictEqual } from 'node:util';
import t from 'tap';
import type { RequestHead } from '../../lib/h1/request-parser.js';
import { bytes, run, splits, type Collected } from './fixtures/harness.js';

type Expected = ['head', Partial<RequestHead>] | ['body', string] | ['trailers', Array<[string, string]>] | ['end'];

interface Case {
  name: string;
  input: string;
  expect: Expected[];
}

const EIGHT_HEADERS =
  'Host: www.example.com\r\nUser-Agent: bench/1.0\r\nAccept: text/html,application/xhtml+xml\r\nAccept-Language: en-US,en;q=0.5\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\nCookie: session=abc123; theme=dark\r\nReferer: https://www.example.com/\r\nConnection: keep-alive\r\n';

const cases: Case[] = [
  {
    name: 'GET with eight headers',
    input: `GET /index.html?q=1 HTTP/1.1\r\n${EIGHT_HEADERS}\r\n`,
    expect: [
      ['head', {
        method: 'GET', target: '/index.html?q=1', form: 'origin', path: '/index.html?q=1', authority: 'www.example.com', scheme: null,
        versionMinor: 1, contentLength: null, chunked: false, keepAlive: true, expectContinue: false, upgrade: null,
        headers: [
          ['host', 'www.example.com'], ['user-agent', 'bench/1.0'], ['accept', 'text/html,application/xhtml+xml'], ['accept-language', 'en-US,en;q=0.5'],
          ['accept-encoding', 'gzip, deflate, br'], ['cookie', 'session=abc123; theme=dark'], ['referer', 'https://www.example.com/'], ['connection', 'keep-alive'],
        ],
      }],
      ['end'],
    ],
  },
  {
    name: 'HEAD, header names lowercased, OWS trimmed, empty value, duplicates kept',
    input: 'HEAD /x HTTP/1.1\r\nHOST:a.example\r\nX-Empty:\r\nX-Tabs: \t v \t \r\nX-Dup: 1\r\nx-dup: 2\r\n\r\n',
    expect: [
      ['head', { method: 'HEAD', authority: 'a.example', headers: [['host', 'a.example'], ['x-empty', ''], ['x-tabs', 'v'], ['x-dup', '1'], ['x-dup', '2']] }],
      ['end'],
    ],
  },
  {
    name: 'POST with Content-Length',
    input: 'POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world',
    expect: [['head', { method: 'POST', contentLength: 11, chunked: false }], ['body', 'hello world'], ['end']],
  },
  {
    name: 'Content-Length: 0 has no body',
    input: 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n',
    expect: [['head', { contentLength: 0 }], ['end']],
  },
  {
    name: 'Content-Length as an identical list and repeated (RFC 9110 §8.6)',
    input: 'PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3 , 3\r\nContent-Length: 3\r\n\r\nabc',
    expect: [['head', { method: 'PUT', contentLength: 3 }], ['body', 'abc'], ['end']],
  },
  {
    name: 'GET with a body is framed by its headers',
    input: 'GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi',
    expect: [['head', { method: 'GET', contentLength: 2 }], ['body', 'hi'], ['end']],
  },
  {
    name: 'chunked with extensions and trailers (framing and routing trailers dropped)',
    input:
      'POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;name=value;flag\r\nhello\r\n6 ; q="a \\"quoted\\" ;="\r\n world\r\n' +
      'A\r\n0123456789\r\n0;last=1\r\nX-Checksum: abc\r\nContent-Length: 5\r\nHost: evil\r\nTransfer-Encoding: gzip\r\nX-Other:  2 \r\n\r\n',
    expect: [
      ['head', { chunked: true, contentLength: null }],
      ['body', 'hello world0123456789'],
      ['trailers', [['x-checksum', 'abc'], ['x-other', '2']]],
      ['end'],
    ],
  },
  {
    name: 'chunked: case-insensitive coding, uppercase hex, leading zeros, repeated TE field with empty elements',
    input: 'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,\r\nTransfer-Encoding: , CHUNKED\r\n\r\n00b\r\nhello world\r\n000\r\n\r\n',
    expect: [['head', { chunked: true }], ['body', 'hello world'], ['end']],
  },
  {
    name: 'three pipelined requests with mixed bodies',
    input:
      'GET /1 HTTP/1.1\r\nHost: h\r\n\r\n' +
      'POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody' +
      'POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n',
    expect: [
      ['head', { path: '/1' }], ['end'],
      ['head', { path: '/2', contentLength: 4 }], ['body', 'body'], ['end'],
      ['head', { path: '/3', chunked: true }], ['body', 'abc'], ['trailers', [['x-t', 'v']]], ['end'],
    ],
  },
  {
    name: 'absolute-form: authority overrides Host, empty path becomes /',
    input: 'GET HTTP://Proxy.Example:8080?a=b HTTP/1.1\r\nHost: other\r\n\r\n',
    expect: [['head', { form: 'absolute', scheme: 'http', authority: 'Proxy.Example:8080', path: '/?a=b', target: 'HTTP://Proxy.Example:8080?a=b' }], ['end']],
  },
  {
    name: 'absolute-form https with a path',
    input: 'GET https://[::1]:443/p/q?x HTTP/1.1\r\nHost: [::1]:443\r\n\r\n',
    expect: [['head', { form: 'absolute', scheme: 'https', authority: '[::1]:443', path: '/p/q?x' }], ['end']],
  },
  {
    name: 'OPTIONS *',
    input: 'OPTIONS * HTTP/1.1\r\nHost: h:80\r\n\r\n',
    expect: [['head', { method: 'OPTIONS', form: 'asterisk', path: '*', authority: 'h:80' }], ['end']],
  },
  {
    name: 'CONNECT authority-form',
    input: 'CONNECT server.example:443 HTTP/1.1\r\nHost: server.example:443\r\n\r\n',
    expect: [['head', { method: 'CONNECT', form: 'authority', path: '', authority: 'server.example:443', target: 'server.example:443' }], ['end']],
  },
  {
    name: 'HTTP/1.0 keep-alive without Host',
    input: 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n',
    expect: [['head', { versionMinor: 0, keepAlive: true, authority: null }], ['end']],
  },
  {
    name: 'HTTP/1.0 closes by default; Upgrade and 100-continue ignored (RFC 9110 §7.8, §10.1.1)',
    input: 'GET / HTTP/1.0\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: websocket\r\nExpect: 100-continue\r\n\r\n',
    expect: [['head', { versionMinor: 0, keepAlive: false, authority: 'h', upgrade: null, expectContinue: false }], ['end']],
  },
  {
    name: 'HTTP/1.1 Connection: close',
    input: 'GET / HTTP/1.1\r\nHost: h\r\nConnection: foo, Close\r\n\r\n',
    expect: [['head', { keepAlive: false }], ['end']],
  },
  {
    name: 'Upgrade: websocket',
    input:
      'GET /chat HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    expect: [['head', { upgrade: 'websocket', keepAlive: true }], ['end']],
  },
  {
    name: 'Upgrade without the Connection option is not an upgrade',
    input: 'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n',
    expect: [['head', { upgrade: null }], ['end']],
  },
  {
    name: 'Connection: upgrade without an Upgrade field is not an upgrade',
    input: 'GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n\r\n',
    expect: [['head', { upgrade: null }], ['end']],
  },
  {
    name: 'Expect: 100-continue',
    input: 'PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\nx',
    expect: [['head', { expectContinue: true, contentLength: 1 }], ['body', 'x'], ['end']],
  },
  {
    name: 'obs-text in values is kept as latin1',
    input: 'GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\xe9 \x80\xff\r\n\r\n',
    expect: [['head', { headers: [['host', 'h'], ['x-name', 'caf\xe9 \x80\xff']] }], ['end']],
  },
  {
    name: 'leading empty lines are skipped (RFC 9112 §2.2)',
    input: '\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n',
    expect: [['head', { path: '/a' }], ['end'], ['head', { path: '/b' }], ['end']],
  },
  {
    name: 'empty Host is allowed (RFC 9112 §3.2) and any token is a method',
    input: 'M-SEARCH /x HTTP/1.1\r\nHost:\r\n\r\n',
    expect: [['head', { method: 'M-SEARCH', authority: '' }], ['end']],
  },
];

/** The expected events, with each head reduced to the fields the case names. */
function project(events: Collected[], expect: Expected[]): unknown[] {
  return events.map((event, i) => {
    const spec = expect[i];
    if (event.type === 'head') {
      const keys = spec?.[0] === 'head' ? Object.keys(spec[1]) : [];
      return ['head', Object.fromEntries(keys.map((k) => [k, event.head[k as keyof RequestHead]]))];
    }
    if (event.type === 'body') return ['body', event.text];
    if (event.type === 'trailers') return ['trailers', event.trailers];
    return ['end'];
  });
}

for (const c of cases) {
  t.test(c.name, async (t) => {
    const input = bytes(c.input);
    const whole = run([input]);
    t.equal(whole.error, null, 'no error');
    t.same(project(whole.events, c.expect), c.expect, 'events');
    t.equal(whole.parser.buffered, 0, 'all input consumed');
    let checked = 0;
    let mismatch: string | null = null;
    for (const { label, pieces } of splits(input)) {
      const r = run(pieces);
      checked++;
      if (r.error !== null || !isDeepStrictEqual(r.events, whole.events) || r.parser.buffered !== 0) {
        mismatch = `${label}: ${r.error?.code ?? JSON.stringify(r.events)}`;
        break;
      }
    }
    t.equal(mismatch, null, 'same events however the input is split');
    t.equal(checked, input.length + 1, 'every split was fed');
  });
}
