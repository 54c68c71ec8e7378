// Idle cost of the headless service: start `npm run demo`'s service (door, certificate manager,
// Plex and router pieces, UI server; the demo's stand-ins run in the same process but do nothing
// at rest), let it settle, then sample /proc/<pid>/stat (utime+stime) and VmRSS over a window.
// Linux only. Usage: npx node scripts/idle-cost.ts [seconds=10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

const seconds = Number(process.argv[2] ?? 10);
const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});
const child = spawn(process.execPath, [new URL('./demo.ts', import.meta.url).pathname], { env: { ...process.env, PORTICO_DEMO_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
await new Promise<void>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => { out += d; if (out.includes('Press Ctrl+C')) resolve(); });
  child.once('exit', (c) => reject(new Error(`demo exited (${c}) before it was ready:\n${out}`)));
});
const pid = child.pid!;
const hz = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const ticks = () => {
  // Fields after the ")" of the command name: utime and stime are the 12th and 13th.
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

await new Promise((r) => setTimeout(r, 3000)); // let start-up work (discovery, GC) finish
const t0 = ticks();
const start = Date.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
const t1 = ticks();
const wall = (Date.now() - start) / 1000;
const cpu = ((t1 - t0) / hz / wall) * 100;
console.log(`headless service at rest (pid ${pid}, ${wall.toFixed(1)} s): CPU ${cpu.toFixed(2)} % (${t1 - t0} ticks at ${hz} Hz), RSS ${(rssKb() / 1024).toFixed(1)} MiB`);
child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
