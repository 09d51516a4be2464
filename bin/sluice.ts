#!/usr/bin/env node
/**
 * The `sluice` command: serve a directory (`sluice ./site`) or what a JSON
 * config describes (`sluice --config site.json`) over HTTP/2 and HTTP/1.1.
 * Problems are one line each on stderr and exit code 1; SIGTERM/SIGINT close
 * gracefully (in-flight responses finish, up to --shutdown-timeout) and exit 0.
 * The command itself is lib/config/cli-run.ts; this file binds it to the process.
 * @module
 */
import { printProblem, runCli, type Listeners } from '../lib/config/index.js';
import { createMountHandler } from '../mounts/index.js';

const io = {
  out: (text: string) => void process.stdout.write(text),
  err: (text: string) => void process.stderr.write(text),
  cwd: process.cwd(),
};

const outcome = await runCli(process.argv.slice(2), io, {
  createMountHandler,
  // The WebSocket stack loads only when a vhost offers ws-protocols.
  loadWebSockets: async () => {
    const { withWebSockets } = await import('../protocols/index.js');
    return (ws, fallback, vhost) => withWebSockets(ws, fallback, undefined, { vhost });
  },
  loadProtocolCallbacks: async () => {
    const { protocolCallbacks } = await import('../protocols/index.js');
    return (ws, vhost) => protocolCallbacks(ws, undefined, { vhost });
  },
});
if ('exitCode' in outcome) process.exit(outcome.exitCode);
else onSignals(outcome.servers, outcome.shutdownTimeoutMs);

function onSignals(servers: Listeners, timeoutMs: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      io.err(`sluice: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    servers.close(timeoutMs).then(
      () => process.exit(0),
      (err: unknown) => {
        printProblem(err, io);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
