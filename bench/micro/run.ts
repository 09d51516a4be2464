/**
 * Runs the micro-benchmarks with tinybench and prints one table.
 *
 *   npx tsc -p bench/tsconfig.json && node dist/bench/micro/run.js [FILTER]
 *
 * FILTER (a regular expression) keeps only the tasks whose name matches.
 * BENCH_TIME_MS sets the time per task (default 500). Numbers on a shared
 * machine move with its load: compare runs made back to back.
 * @module
 */
import { Bench } from 'tinybench';
import * as credit from './credit.js';
import * as frames from './frames.js';
import * as h1 from './h1-parser.js';
import * as h1x from './h1-exchange.js';
import * as hpack from './hpack.js';
import * as ws from './ws-framing.js';

const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const bench = new Bench({ name: 'sluice micro', time: Number(process.env.BENCH_TIME_MS ?? 500), warmupTime: 200 });
for (const m of [hpack, frames, credit, h1, h1x, ws]) m.register(bench);
if (filter) for (const t of [...bench.tasks]) if (!filter.test(t.name)) bench.remove(t.name);
await bench.run();
console.log(`${bench.name} — node ${process.version}, ${new Date().toISOString()}`);
const rows = bench.tasks.map((t) => {
  const r = t.result as { state?: string; latency?: { p50?: number; mean?: number }; throughput?: { mean?: number }; error?: unknown } | undefined;
  if (!r || r.error || !r.latency) return { task: t.name, 'median ns': 'error', 'ops/s': String(r?.error ?? r?.state ?? '') };
  return { task: t.name, 'median ns': ((r.latency.p50 ?? 0) * 1e6).toFixed(0), 'ops/s': Math.round(r.throughput?.mean ?? 0).toLocaleString('en-US') };
});
console.table(rows);
