/**
 * The unified write API, every case run over each protocol with a real client.
 */
import t from 'tap';
import { SluiceError, Token, WriteMode, type Transaction } from '../../lib/index.js';
import { fetchOver, type Proto } from '../support/fetch.js';
import { start } from '../support/server.js';

const PROTOS: Proto[] = ['h1', 'h2'];

/** Run `fn` and return the SluiceError code it throws (or rejects with), or 'none'. */
async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return 'none';
  } catch (e) {
    return e instanceof SluiceError ? e.code : `not a SluiceError: ${String(e)}`;
  }
}

for (const proto of PROTOS) {
  t.test(`${proto}: status, header by name, header by token, finalize, write, final`, async (t) => {
    const { port } = await start(t, async (tx) => {
      tx.status(201)
        .headerByToken(Token.CONTENT_TYPE, 'application/json')
        .headerByName('X-Request-Id', tx.id)
        .headerByToken(Token.CACHE_CONTROL, 'no-store')
        .headerByName('set-cookie', 'a=1')
        .headerByName('set-cookie', 'b=2')
        .finalizeHeaders();
      t.equal(tx.headersSent, true);
      await tx.write('{"ok":');
      await tx.write(Buffer.from('true}'), WriteMode.HTTP_FINAL);
      t.equal(tx.ended, true);
    });
    const r = await fetchOver(proto, port, { path: '/api' });
    t.equal(r.status, 201);
    t.equal(r.headers['content-type'], 'application/json');
    t.equal(r.headers['cache-control'], 'no-store');
    t.match(r.headers['x-request-id'], /^[0-9a-z]+-[0-9a-z]+$/);
    t.same(r.headers['set-cookie'], ['a=1', 'b=2'], 'repeated fields stay separate');
    t.equal(r.body.toString(), '{"ok":true}');
    t.equal(r.ending, 'end');
  });

  t.test(`${proto}: Date and Server are added, can be overridden or turned off, vhost headers are added`, async (t) => {
    const a = await start(t, (tx) => tx.respond(200, {}, 'x'), { response: { headers: [['x-content-type-options', 'nosniff']] } });
    const r = await fetchOver(proto, a.port);
    t.match(r.headers.date, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/);
    t.equal(r.headers.server, 'sluice');
    t.equal(r.headers['x-content-type-options'], 'nosniff');
    const b = await start(t, (tx) => tx.respond(200, { server: 'mine', 'x-content-type-options': 'override' }, 'x'), {
      response: { date: false, headers: [['x-content-type-options', 'nosniff']] },
    });
    const r2 = await fetchOver(proto, b.port);
    t.equal(r2.headers.date, undefined, 'date off');
    t.equal(r2.headers.server, 'mine', 'the handler wins over the default');
    t.equal(r2.headers['x-content-type-options'], 'override', 'the handler wins over the vhost header');
    const c = await start(t, (tx) => tx.respond(200, {}, 'x'), { response: { server: false } });
    t.equal((await fetchOver(proto, c.port)).headers.server, undefined, 'server off');
  });

  t.test(`${proto}: misuse is a clear error, never silently ignored`, async (t) => {
    const codes: Record<string, string> = {};
    const { port } = await start(t, async (tx: Transaction) => {
      codes.writeBeforeHeaders = await codeOf(() => tx.write('x'));
      codes.finalizeWithoutStatus = await codeOf(() => tx.finalizeHeaders());
      codes.status99 = await codeOf(() => tx.status(99));
      codes.status600 = await codeOf(() => tx.status(600));
      codes.statusFraction = await codeOf(() => tx.status(200.5));
      tx.status(200);
      codes.secondStatus = await codeOf(() => tx.status(201));
      codes.badName = await codeOf(() => tx.headerByName('bad name', 'v'));
      codes.emptyName = await codeOf(() => tx.headerByName('', 'v'));
      codes.crlfValue = await codeOf(() => tx.headerByName('x-a', 'a\r\nx-injected: 1'));
      codes.nulValue = await codeOf(() => tx.headerByName('x-a', 'a\0b'));
      codes.wideChar = await codeOf(() => tx.headerByName('x-a', 'snow☃'));
      codes.badLength = await codeOf(() => tx.headerByToken(Token.CONTENT_LENGTH, 'ten'));
      codes.badToken = await codeOf(() => tx.headerByToken(9999, 'x'));
      codes.pseudo = await codeOf(() => tx.headerByName(':status', '200'));
      tx.headerByToken(Token.CONTENT_TYPE, 'application/json').finalizeHeaders();
      codes.headerAfterFinalize = await codeOf(() => tx.headerByName('x-late', '1'));
      codes.statusAfterFinalize = await codeOf(() => tx.status(500));
      codes.secondFinalize = await codeOf(() => tx.finalizeHeaders());
      codes.wsModeOnHttp = await codeOf(() => tx.write('x', WriteMode.TEXT));
      await tx.write(JSON.stringify(codes), WriteMode.HTTP_FINAL);
      codes.writeAfterFinal = await codeOf(() => tx.write('more'));
    });
    const r = await fetchOver(proto, port);
    t.equal(r.status, 200);
    t.same(JSON.parse(r.body.toString()), {
      writeBeforeHeaders: 'SLUICE_ERR_HEADERS_NOT_SENT',
      finalizeWithoutStatus: 'SLUICE_ERR_NO_STATUS',
      status99: 'SLUICE_ERR_INVALID_STATUS',
      status600: 'SLUICE_ERR_INVALID_STATUS',
      statusFraction: 'SLUICE_ERR_INVALID_STATUS',
      secondStatus: 'SLUICE_ERR_STATUS_ALREADY_SET',
      badName: 'SLUICE_ERR_INVALID_HEADER',
      emptyName: 'SLUICE_ERR_INVALID_HEADER',
      crlfValue: 'SLUICE_ERR_INVALID_HEADER',
      nulValue: 'SLUICE_ERR_INVALID_HEADER',
      wideChar: 'SLUICE_ERR_INVALID_HEADER',
      badLength: 'SLUICE_ERR_INVALID_HEADER',
      badToken: 'SLUICE_ERR_INVALID_HEADER',
      pseudo: 'SLUICE_ERR_INVALID_HEADER',
      headerAfterFinalize: 'SLUICE_ERR_HEADERS_SENT',
      statusAfterFinalize: 'SLUICE_ERR_HEADERS_SENT',
      secondFinalize: 'SLUICE_ERR_HEADERS_SENT',
      wsModeOnHttp: 'SLUICE_ERR_INVALID_WRITE_MODE',
    });
    t.equal(codes.writeAfterFinal, 'SLUICE_ERR_RESPONSE_ENDED');
    t.equal(r.headers['x-a'], undefined, 'nothing from the rejected calls reached the wire');
  });

  t.test(`${proto}: HEAD, 204 and 304 end at finalizeHeaders; HEAD body writes are discarded`, async (t) => {
    const seen: string[] = [];
    const { port } = await start(t, async (tx) => {
      const p = tx.request.path;
      if (p === '/head') {
        tx.status(200).headerByToken(Token.CONTENT_LENGTH, 5).finalizeHeaders();
        seen.push(`head ended=${tx.ended}`);
        await tx.write('hello', WriteMode.HTTP_FINAL);
      } else if (p === '/204') {
        tx.status(204).finalizeHeaders();
        seen.push(`204 body=${await codeOf(() => tx.write('x'))}`);
        seen.push(`204 empty=${await codeOf(() => tx.end())}`);
      } else {
        tx.status(304).headerByToken(Token.ETAG, '"v1"').finalizeHeaders();
        seen.push(`304 ended=${tx.ended}`);
      }
    });
    const head = await fetchOver(proto, port, { method: 'HEAD', path: '/head' });
    t.equal(head.status, 200);
    t.equal(head.headers['content-length'], '5');
    t.equal(head.body.length, 0);
    const nc = await fetchOver(proto, port, { path: '/204' });
    t.equal(nc.status, 204);
    t.equal(nc.body.length, 0);
    const nm = await fetchOver(proto, port, { path: '/304' });
    t.equal(nm.status, 304);
    t.equal(nm.headers.etag, '"v1"');
    t.same(seen, ['head ended=true', '204 body=SLUICE_ERR_BODY_NOT_ALLOWED', '204 empty=none', '304 ended=true']);
  });

  t.test(`${proto}: a body that does not match its content-length is refused or cut, never sent as valid`, async (t) => {
    const seen: string[] = [];
    const { port } = await start(t, async (tx) => {
      tx.status(200).headerByToken(Token.CONTENT_LENGTH, 10).finalizeHeaders();
      if (tx.request.path === '/long') {
        seen.push(await codeOf(() => tx.write('01234567890')));
        await tx.write('0123456789', WriteMode.HTTP_FINAL);
      } else {
        await tx.write('01234');
        seen.push(await codeOf(() => tx.write('56', WriteMode.HTTP_FINAL)));
      }
    });
    const long = await fetchOver(proto, port, { path: '/long' });
    t.equal(long.body.toString(), '0123456789', 'the oversized write was refused, a correct one followed');
    const short = await fetchOver(proto, port, { path: '/short' });
    t.not(short.ending, 'end', 'a short body is cut off, so the client cannot mistake it for complete');
    t.same(seen, ['SLUICE_ERR_CONTENT_LENGTH_MISMATCH', 'SLUICE_ERR_CONTENT_LENGTH_MISMATCH']);
  });

  t.test(`${proto}: a handler that throws gets a 500 before headers, a cut response after`, async (t) => {
    const errors: Error[] = [];
    const { port } = await start(
      t,
      async (tx) => {
        if (tx.request.path === '/early') {
          tx.status(200).headerByName('x-partial', '1');
          throw new Error('boom early');
        }
        tx.status(200).finalizeHeaders();
        await tx.write('partial');
        throw new Error('boom late');
      },
      { onError: (e) => errors.push(e) },
    );
    const early = await fetchOver(proto, port, { path: '/early' });
    t.equal(early.status, 500);
    t.equal(early.headers['x-partial'], undefined, 'half-built headers are discarded');
    t.equal(early.body.toString(), 'Internal Server Error\n');
    const late = await fetchOver(proto, port, { path: '/late' });
    t.equal(late.status, 200);
    t.not(late.ending, 'end', 'the response is cut, not ended as if complete');
    t.same(
      errors.map((e) => e.message),
      ['boom early', 'boom late'],
      'both reported to onError',
    );
  });

  t.test(`${proto}: the request view`, async (t) => {
    const { port } = await start(t, async (tx) => {
      const r = tx.request;
      const body = await r.body.text();
      await tx.respond(200, { 'content-type': 'application/json' }, JSON.stringify({
        method: r.method,
        path: r.path,
        pathname: r.pathname,
        search: r.search,
        q: r.url.searchParams.get('q'),
        hostname: r.hostname,
        scheme: r.scheme,
        accept: r.header('accept'),
        multi: r.headers['x-multi'],
        body,
      }));
    });
    const r = await fetchOver(proto, port, { method: 'POST', path: '/a/b?q=1&r=2', headers: { accept: 'text/plain', 'x-multi': 'one' }, body: 'payload' });
    t.same(JSON.parse(r.body.toString()), {
      method: 'POST',
      path: '/a/b?q=1&r=2',
      pathname: '/a/b',
      search: 'q=1&r=2',
      q: '1',
      hostname: '127.0.0.1',
      scheme: 'http',
      accept: 'text/plain',
      multi: 'one',
      body: 'payload',
    });
  });

  t.test(`${proto}: a download written from writable events, sized by peerWriteAllowance`, async (t) => {
    const total = 3 << 20;
    const allowances: number[] = [];
    const { port } = await start(t, (tx) => {
      let sent = 0;
      tx.status(200).headerByToken(Token.CONTENT_LENGTH, total).finalizeHeaders();
      tx.onWritable(() => {
        const allowance = tx.peerWriteAllowance();
        allowances.push(allowance);
        const n = Math.min(allowance, 256 << 10, total - sent);
        const final = sent + n === total;
        sent += n;
        void tx.write(Buffer.alloc(n, 0x61), final ? WriteMode.HTTP_FINAL : WriteMode.HTTP);
        if (!final) tx.requestWritable();
      });
      tx.requestWritable();
    });
    const r = await fetchOver(proto, port);
    t.equal(r.body.length, total);
    t.ok(allowances.length > 0 && allowances.every((a) => a > 0), 'every event came with credit');
    if (proto === 'h2') t.ok(allowances.every((a) => Number.isFinite(a)), 'h2 allowance is the tx credit');
    else t.ok(allowances.every((a) => a === Infinity), 'h1 reports no limit');
  });
}

for (const proto of ['h1', 'h2'] as const) {
  t.test(`${proto}: statusCode, bytesWritten and onFinish report each kind of ending once`, async (t) => {
    const seen: Array<[string, number, number]> = [];
    const { port } = await start(t, async (tx) => {
      tx.onFinish(() => seen.push([tx.request.path, tx.statusCode, tx.bytesWritten]));
      if (tx.request.path === '/body') {
        tx.status(201).finalizeHeaders();
        await tx.write('abc');
        await tx.end('de');
      } else if (tx.request.path === '/empty') {
        tx.status(204).finalizeHeaders();
      } else await tx.respond(200, {}, 'xyz');
    });
    await fetchOver(proto, port, { path: '/body' });
    await fetchOver(proto, port, { path: '/empty' });
    await fetchOver(proto, port, { path: '/head', method: 'HEAD' });
    await new Promise((r) => setTimeout(r, 20));
    t.same(seen, [
      ['/body', 201, 5],
      ['/empty', 204, 0],
      ['/head', 200, 0],
    ]);
  });
}
