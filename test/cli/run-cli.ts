/**
 * Run bin/sluice.ts in a child process with the TypeScript loader tap itself
 * uses (taken from this process's execArgv), so the CLI is tested as users
 * run it: real argv, real stdout/stderr, real exit codes and signals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

const BIN = fileURLToPath(new URL('../../bin/sluice.ts', import.meta.url));
/** The TypeScript loader tap runs tests with (ts-node); the coverage hooks are left out. */
const LOADER = process.execArgv.filter((a) => a.includes('@tapjs/typescript') || a.includes('ts-node'));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };
  delete e.NODE_OPTIONS;
  return e;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion. */
export function runCli(args: string[], cwd?: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...LOADER, BIN, ...args], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface Running {
  child: ChildProcess;
  /** The URL of the ready line (with the port the server bound). */
  url: string;
  port: number;
  readyLine: string;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits. */
  exited: Promise<Finished>;
}

/** Start the CLI (use `--port 0`) and wait for its ready line; killed at teardown if still running. */
export function startCli(t: Test, args: string[], cwd?: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...LOADER, BIN, ...args], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready = false;
    const exited = new Promise<Finished>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = /^(sluice: serving .* on (https?:\/\/[^\s]+:(\d+)) .*)$/m.exec(stdout);
      if (!ready && m) {
        ready = true;
        resolve({ child, url: m[2] as string, port: Number(m[3]), readyLine: m[1] as string, stdout: () => stdout, stderr: () => stderr, exited });
      }
    });
    child.on('error', reject);
    void exited.then((f) => {
      if (!ready) reject(new Error(`sluice exited (${f.code ?? f.signal}) before its ready line: ${f.stderr}${f.stdout}`));
    });
  });
}
