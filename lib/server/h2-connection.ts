/**
 * The one place an H2Session meets a socket: bytes in, frames out, writes of
 * one tick gathered into a single writev (cork/uncork), drain and close
 * relayed. Everything protocol-related lives in lib/h2/session.ts.
 * @module
 */
import type { Socket } from 'node:net';
import { H2Session, type H2SessionOptions } from '../h2/session.js';
import type { H2Stream } from '../h2/stream.js';

export interface H2ConnectionHooks {
  onRequest(stream: H2Stream, socket: Socket): void;
  onError(err: Error): void;
}

/** How long a closing connection may take to flush its last frames before it is destroyed. */
const END_GRACE_MS = 2000;

export function serveH2(socket: Socket, initial: Buffer, options: H2SessionOptions, hooks: H2ConnectionHooks): H2Session {
  let corked = false;
  // A peer that sends frames we must answer but does not read the answers is not read either (see readBackPressure).
  let readPaused = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  const session = new H2Session(
    {
      write(data, flushed) {
        if (socket.destroyed) return;
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        if (flushed) socket.write(data, () => flushed());
        else socket.write(data);
      },
      bufferedAmount: () => socket.writableLength,
      flushed: () => (socket.bytesWritten ?? 0) - socket.writableLength,
      end() {
        if (corked) uncork();
        socket.end();
        // Read again (the dead session ignores it) so the peer's FIN is seen and the connection can close.
        if (readPaused) {
          readPaused = false;
          socket.resume();
        }
        setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
      },
      onRequest: (stream) => hooks.onRequest(stream, socket),
      onError: hooks.onError,
    },
    options,
  );
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => {
    session.receive(chunk);
    if (!readPaused && !session.closed && session.readBackPressure) {
      readPaused = true;
      socket.pause();
    }
  });
  socket.on('drain', () => {
    if (readPaused) {
      readPaused = false;
      socket.resume();
    }
    session.onTransportDrain();
  });
  socket.on('close', () => session.destroy());
  socket.on('error', () => socket.destroy());
  session.start();
  if (initial.length > 0) session.receive(initial);
  return session;
}
