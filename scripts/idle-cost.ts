// Idle cost of the headless service: start `npm run demo` (the core's Service, as `portico serve`
// runs it — door, certificate manager, Plex and router pieces — and the dashboard's UI server;
// the demo's stand-ins run in the same process but do nothing at rest), let it settle, then
// sample /proc/<pid>/stat (utime+stime) and VmRSS over a window.
// With --after-setup, the wizard's work is done first through the API (certificate issued by
// pebble, Plex settings applied, wizard finished), so the renewal loop is armed while sampling.
// Linux only. Usage: npx node scripts/idle-cost.ts [seconds=10] [--after-setup]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

const afterSetup = process.argv.includes('--after-setup');
const seconds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10);
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
if (afterSetup) {
  const url = new URL(/Open the dashboard: (\S+)/.exec(out)![1]!);
  const token = url.hash.replace('#token=', '');
  const call = async (channel: string, ...args: unknown[]) => {
    const r = await fetch(new URL(`/api/${channel}`, url), { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ args }) });
    const v = (await r.json()) as { ok?: boolean; error?: { message: string } };
    if (v.ok === false) throw new Error(`${channel}: ${v.error?.message}`);
    return v;
  };
  await call('cert:issue', { staging: true });
  await call('cert:issue', { staging: false });
  await call('plex:apply', { manualPort: true, customCertificate: false });
  await call('wizard:save', { step: 'verify', completed: ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings', 'verify'], finished: true });
}
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
console.log(`headless service at rest${afterSetup ? ' after setup' : ''} (pid ${pid}, ${wall.toFixed(1)} s): CPU ${cpu.toFixed(2)} % (${t1 - t0} ticks at ${hz} Hz), RSS ${(rssKb() / 1024).toFixed(1)} MiB`);
child.kill('SIGINT');
await new Promise((r) => child.once('exit', r));
