/**
 * Runs inside a network namespace (started by RouterNetns.worker): loads the module named in
 * argv[2] and answers JSON-line calls `{id, fn, args}` on stdin with `{id, ok, value|error}` on
 * stdout, so a test in the root namespace can drive code that must live on the LAN.
 */
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const mod = (await import(pathToFileURL(process.argv[2]!).href)) as Record<string, (...a: unknown[]) => unknown>;
const rl = createInterface({ input: process.stdin });
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
rl.on('line', (line) => {
  const { id, fn, args } = JSON.parse(line) as { id: number; fn: string; args: unknown[] };
  Promise.resolve()
    .then(() => {
      const f = mod[fn];
      if (typeof f !== 'function') throw new Error(`worker module has no export "${fn}"`);
      return f(...args);
    })
    .then(
      (value) => process.stdout.write(JSON.stringify({ id, ok: true, value: value ?? null }) + '\n'),
      (e: Error) => process.stdout.write(JSON.stringify({ id, ok: false, error: e?.stack ?? String(e) }) + '\n'),
    );
});
rl.on('close', () => process.exit(0));
