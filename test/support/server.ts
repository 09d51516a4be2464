/**
 * Start a Sluice server on a free port for one test and stop it afterwards.
 */
import { execFileSync } from 'node:child_process';
import type { Test } from 'tap';
import { createServer, type Handler, type ServerOptions, type SluiceServer } from '../../lib/index.js';

export interface Started {
  server: SluiceServer;
  port: number;
  url: string;
}

export async function start(t: Test, handler: Handler, options: Partial<ServerOptions> = {}): Promise<Started> {
  const errors: Error[] = [];
  const server = createServer({ onError: (e) => errors.push(e), ...options, handler });
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(async () => {
    await server.close(100);
    // A handler or engine error that nobody asserted on is a bug the test must show.
    if (!options.onError && errors.length > 0) t.fail(`server reported errors: ${errors.map((e) => e.stack ?? e.message).join('\n')}`);
  });
  return { server, port, url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}` };
}

const found = new Map<string, boolean>();

/**
 * Whether an external tool (curl, nghttp, chromium…) is installed. When it is
 * not, the test is skipped with the reason printed, unless SLUICE_REQUIRE_PEERS=1
 * (CI), where a missing tool fails the test.
 */
export function havePeer(t: Test, tool: string): boolean {
  if (!found.has(tool)) {
    let ok = true;
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      ok = false;
    }
    found.set(tool, ok);
  }
  if (found.get(tool)) return true;
  if (process.env.SLUICE_REQUIRE_PEERS === '1') t.fail(`${tool} is not installed and SLUICE_REQUIRE_PEERS=1`);
  else t.plan(0, `${tool} is not installed: install it to run this test`);
  return false;
}
