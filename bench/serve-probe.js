// Loaded with `node --expose-gc --import ./bench/serve-probe.js …` by bench/serve-memory.ts: counts the
// modules the process loads and, on SIGUSR2, prints one `probe` line to stderr (after a full GC, so
// heapUsed is what is retained). Plain JS on purpose: a .ts probe would load Node's type stripper
// into the process being measured (~29 MB, bench.md) and hide what the built `dist/` costs.
import { registerHooks } from 'node:module';
import { getHeapSpaceStatistics } from 'node:v8';

const loaded = new Set();
registerHooks({ load(url, context, next) { loaded.add(url); return next(url, context); } });

/** `node_modules/<pkg>` for dependencies, `portico` for our own files, `node` for built-ins. */
function owner(url) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m) return m[1];
  return url.startsWith('node:') ? 'node' : 'portico';
}

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  const mb = (n) => (n / 1048576).toFixed(1);
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  const perOwner = {};
  for (const u of loaded) perOwner[owner(u)] = (perOwner[owner(u)] ?? 0) + 1;
  const top = Object.entries(perOwner).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}:${n}`).join(',');
  process.stderr.write(`probe heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)} newSpace=${mb(newSpace)} modules=${loaded.size} by=${top}\n`);
});
