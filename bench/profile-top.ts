/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with
 * the most self time, and the most total (inclusive) time, as text tables.
 *
 *   node dist/bench/profile-top.js PROFILE.cpuprofile [N]
 * @module
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function label(cf: CallFrame): string {
  const file = cf.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
  const name = cf.functionName || '(anonymous)';
  return file ? `${name} ${file}:${cf.lineNumber + 1}` : name;
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = profile.endTime - profile.startTime;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    // Count each function once per stack for inclusive time (recursion would double it).
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const table = (title: string, m: Map<string, number>): string => {
    const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
    return [`${title} (of ${(total / 1000).toFixed(0)} ms sampled)`, ...rows.map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)].join('\n');
  };
  return `${table('self time', self)}\n\n${table('total time', inclusive)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [file, n] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile-top.js PROFILE.cpuprofile [N]');
    process.exit(2);
  }
  process.stdout.write(summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, n ? Number(n) : 25));
}
