/**
 * Prints where a V8 CPU profile (node --cpu-prof) spends its time: self time per function, and
 * totals per origin (the project's code, Node's internals, GC, idle). Used by `PROFILE=1 npm run bench`.
 *
 * usage: node bench/profile-top.ts <file.cpuprofile> [topN=25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] }

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('profile-top: usage: profile-top.ts <file.cpuprofile> [topN]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(topArg ?? 25);
const total = prof.samples.length || 1;
const wallMs = (prof.endTime - prof.startTime) / 1000;

const where = (f: CallFrame): string => {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native)';
  if (f.url.startsWith('node:')) return 'node internals';
  if (f.url.includes('/main/')) return 'portico';
  if (f.url.includes('/node_modules/')) return 'dependencies';
  return 'other js';
};
const ROOT = new URL('..', import.meta.url).href;   // the repository, as a file:// URL ending in '/'
const short = (url: string): string => (url.startsWith(ROOT) ? url.slice(ROOT.length) : url);

const byFn = new Map<string, number>();
const byOrigin = new Map<string, number>();
for (const n of prof.nodes) {
  const hits = n.hitCount ?? 0;
  if (!hits) continue;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'}  ${f.url ? `${short(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
  byFn.set(key, (byFn.get(key) ?? 0) + hits);
  const o = where(f);
  byOrigin.set(o, (byOrigin.get(o) ?? 0) + hits);
}
const pct = (h: number): string => `${((h / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${total} samples over ${(wallMs / 1000).toFixed(1)} s`);
console.log(`by origin: ${[...byOrigin].sort((a, b) => b[1] - a[1]).map(([o, h]) => `${o} ${pct(h).trim()}`).join(', ')}`);
for (const [k, h] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(h)}  ${k}`);
