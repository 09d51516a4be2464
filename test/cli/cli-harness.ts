/**
 * Run the `sluice` command in this process (lib/config/cli-run.ts with the
 * real mounts and protocols), capturing what it prints and its exit code.
 */
import type { Test } from 'tap';
import { runCli, type Listeners, type ListenerInfo } from '../../lib/config/index.js';
import { createMountHandler } from '../../mounts/index.js';

export interface CliRun {
  exitCode: number | null;
  out: string;
  err: string;
  /** Every listener when the command is serving. */
  infos: ListenerInfo[];
  servers: Listeners | null;
  /** Everything printed on stdout so far (the access log keeps writing there). */
  stdout(): string;
}

/** Run `sluice ...argv` in `cwd`; a serving command is closed at teardown. */
export async function cli(t: Test, argv: string[], cwd = process.cwd()): Promise<CliRun> {
  let out = '';
  let err = '';
  const outcome = await runCli(
    argv,
    { out: (s) => void (out += s), err: (s) => void (err += s), cwd },
    {
      createMountHandler,
      loadWebSockets: async () => {
        const { withWebSockets } = await import('../../protocols/index.js');
        return (ws, fallback, vhost) => withWebSockets(ws, fallback, undefined, { vhost });
      },
    },
  );
  if ('exitCode' in outcome) return { exitCode: outcome.exitCode, out, err, infos: [], servers: null, stdout: () => out };
  t.teardown(() => outcome.servers.close(100));
  return { exitCode: null, out, err, infos: outcome.infos, servers: outcome.servers, stdout: () => out };
}
