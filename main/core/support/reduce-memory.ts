/**
 * One memory-reducing collection, the kind V8's memory reducer runs on an idle process: a full GC
 * that compacts, shrinks the young generation to its least and hands V8's pooled pages back to the
 * system (gc()'s "last resort" flavour).
 *
 * Why Portico asks for it once after start (`Service.start`): start-up grows the young generation
 * to its ceiling (`--max-semi-space-size`), and V8 keeps those pages while the process idles,
 * because its memory reducer rates a process that allocates nothing as allocating a lot and so
 * never runs (`--trace-memory-reducer` says `high alloc` every 8 s). For `portico serve` that is
 * 5 MB of its idle memory (docs/bench.md). A plain gc() does not help: it keeps the pages pooled.
 *
 * gc() exists only under `--expose-gc`, one of bin/portico.js's flags. Without it (Electron starts
 * the desktop app's main process without our flags, docs/app.md) this does nothing and says so.
 */
export async function reduceMemory(): Promise<boolean> {
  if (!globalThis.gc) return false;
  await globalThis.gc({ type: 'major', execution: 'async', flavor: 'last-resort' });
  return true;
}
