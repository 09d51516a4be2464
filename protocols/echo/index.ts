/**
 * `echo`: sends every message back as it came (text as text, binary as
 * binary). The target of WebSocket conformance suites. The next message is
 * read only once the echo is handed to the transport, so a peer that does
 * not read its echoes is slowed down instead of filling server memory.
 * @module
 */
import { ProtocolConfigError } from '../errors.js';
import type { Protocol, ProtocolFactory } from '../types.js';

/** Conformance suites (Autobahn case 9.x) send messages of up to 16 MiB. */
export const ECHO_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

export const echoProtocol: ProtocolFactory = (options) => {
  for (const key of Object.keys(options)) throw new ProtocolConfigError(key, 'echo has no options of its own');
  const protocol: Protocol<null, null> = {
    name: 'echo',
    ws: { maxMessageSize: ECHO_MAX_MESSAGE_SIZE },
    init: () => null,
    established: () => null,
    receive: async (session, message) => {
      await session.send(message.data, message.kind);
    },
  };
  return protocol;
};

export default echoProtocol;
