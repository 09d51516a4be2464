import t from 'tap';
import { H2Peer } from '../support/h2-peer.js';
import { start } from '../support/server.js';

t.test('raw peer gets a response', async (t) => {
  const { port } = await start(t, (tx) => tx.respond(200, { 'content-type': 'text/plain' }, 'hi'));
  const peer = await H2Peer.connect(port);
  peer.request(1, '/x');
  const res = await peer.response(1);
  t.equal(res.status, 200);
  t.equal(res.body.toString(), 'hi');
  peer.close();
});
