import t from 'tap';
import { Token, TOKEN_COUNT, tokenCanonicalName, tokenName, tokenOf } from '../../lib/http/tokens.js';

t.test('every token maps to a lowercase, valid field name and back', async (t) => {
  t.ok(TOKEN_COUNT > 60, 'covers the common request and response headers');
  for (let i = 0; i < TOKEN_COUNT; i++) {
    const name = tokenName(i);
    t.match(name, /^[a-z0-9-]+$/);
    t.equal(tokenOf(name), i);
    t.equal(tokenCanonicalName(i).toLowerCase(), name);
  }
});

t.test('canonical HTTP/1 spellings', async (t) => {
  t.equal(tokenCanonicalName(Token.CONTENT_TYPE), 'Content-Type');
  t.equal(tokenCanonicalName(Token.ETAG), 'ETag');
  t.equal(tokenCanonicalName(Token.WWW_AUTHENTICATE), 'WWW-Authenticate');
  t.equal(tokenCanonicalName(Token.SEC_WEBSOCKET_ACCEPT), 'Sec-WebSocket-Accept');
  t.equal(tokenCanonicalName(Token.X_CONTENT_TYPE_OPTIONS), 'X-Content-Type-Options');
  t.equal(tokenCanonicalName(Token.TE), 'TE');
  t.equal(tokenName(Token.CONTENT_LENGTH), 'content-length');
  t.equal(tokenOf('x-unknown'), undefined);
});
