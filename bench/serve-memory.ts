/**
 * Memory of `portico serve` as users run it headless: idle after it settles, then with N idle
 * keep-alive TLS connections held open through the door, and after they close.
 *
 * The setup is a finished one, on loopback only: a 90-day certificate already in the data directory
 * (so nothing is ordered at start), the placeholder certificate made at an earlier start, a fresh outside-check result (the CA is asked every 4 h, not at
 * this start), a PMS stand-in as the route's upstream, router off, no public-IP lookups, the ACME
 * directory a closed local port. The service runs with the flags of bin/portico.js's shebang line,
 * from `dist/` (`npm run build` first) unless FROM=source. The probe (bench/serve-probe.js, plain JS)
 * adds heap, external and the modules loaded; PROBE=0 leaves it out to see RSS without it.
 * Each connection sends one request (`GET /identity`) and then idles, as a Plex app between
 * requests does; they come from 127.0.0.2… in blocks of 200, under the door's per-address limit.
 *
 * usage: npx node bench/serve-memory.ts    knobs (env): SETTLE=30 (s)  RUNS=1  CONNS="500 2000"
 *        FROM=dist|source  PROBE=1  HOLD=5 (s with the connections open before sampling)
 *        NODE_ARGS="…" (node flags after the shebang's; a later V8 flag wins, e.g. --max-semi-space-size=4)
 * Linux only (reads /proc/<pid>/status).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { CertStore } from '../main/core/certs/cert-store.ts';
import { DataDir } from '../main/core/support/data-dir.ts';
import { placeholderCert } from '../main/core/proxy/placeholder-cert.ts';
import { makeTestCa } from '../test/helpers/test-ca.ts';
import { freePort } from '../test/helpers/free-port.ts';
import { PmsStandIn } from '../test/stand-ins/pms.ts';

const env = process.env;
const SETTLE = Number(env.SETTLE ?? 30);
const RUNS = Number(env.RUNS ?? 1);
const HOLD = Number(env.HOLD ?? 5);
const CONNS = (env.CONNS ?? '500 2000').split(/\s+/).filter(Boolean).map(Number);
const FROM = env.FROM ?? 'dist';
const PROBE = env.PROBE !== '0';
const DOMAIN = 'plex.example.test';
const PER_ADDRESS = 200;

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/portico.js');
if (FROM === 'dist' && !existsSync(join(root, 'dist/main/cli/portico.js'))) {
  console.error('serve-memory: dist/ is missing; run `npm run build` first (or FROM=source to measure the TypeScript sources)');
  process.exit(2);
}
// The flags users get: those on bin/portico.js's `#!/usr/bin/env -S node …` line.
const shebangFlags = readFileSync(bin, 'utf8').split('\n')[0]!.replace(/^#!.*?\bnode\b/, '').trim().split(/\s+/).filter(Boolean);
const nodeFlags = [...shebangFlags, ...(env.NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
// The probe's full GC needs gc(), which the shipped flags already expose (--expose-gc, for the service's own step after start).
const probeFlags = PROBE ? [...(nodeFlags.includes('--expose-gc') ? [] : ['--expose-gc']), '--import', new URL('./serve-probe.js', import.meta.url).href] : [];

const dir = await mkdtemp(join(tmpdir(), 'portico-mem-'));
const pms = new PmsStandIn({ supportDir: join(dir, 'pms'), ownerToken: 'owner-token-serve-memory' });
await pms.start();
const ca = makeTestCa(dir, [DOMAIN], 90);
const dataDir = join(dir, 'data');
await new DataDir(dataDir).ensure();
const directoryUrl = `https://127.0.0.1:${await freePort()}/directory`;
await new CertStore(dataDir, [DOMAIN]).save({ key: ca.keyPem, cert: ca.certPem + ca.caPem }, { domains: [DOMAIN], issuedAt: new Date().toISOString(), directoryUrl, challenge: 'tls-alpn-01' });
await placeholderCert(dataDir, [DOMAIN]);
await writeFile(new DataDir(dataDir).outsideCheck, JSON.stringify({ at: new Date().toISOString(), domain: DOMAIN, https: { reached: true }, http: null }));
const doorPort = await freePort();
const config = join(dir, 'portico.json');
await writeFile(config, JSON.stringify({
  domains: [DOMAIN], dataDir,
  door: { bind: '127.0.0.1', httpsPorts: [doorPort], httpPort: null },
  plex: { url: pms.url, token: 'owner-token-serve-memory' },
  acme: { directoryUrl, preflight: false },
  router: { mode: 'off' },
  publicIp: { stunServer: null, httpEndpoints: [] },
  dns: { resolver: `127.0.0.1:${await freePort()}` },
  ui: { port: await freePort() },
}));

const mb = (kb: number) => (kb / 1024).toFixed(1);
const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

interface Sample { rssKb: number; anonKb: number; fileKb: number; probe: string }

async function sample(child: ChildProcess, err: { text: string }): Promise<Sample> {
  const st = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0);
  const s: Sample = { rssKb: kb('VmRSS'), anonKb: kb('RssAnon'), fileKb: kb('RssFile'), probe: '' };
  if (PROBE) {
    const before = err.text.length;
    child.kill('SIGUSR2');
    for (let i = 0; i < 100 && !err.text.slice(before).includes('\n'); i++) await sleep(0.05);
    s.probe = /probe (.*)/.exec(err.text.slice(before))?.[1] ?? '(no probe line)';
  }
  return s;
}

const line = (label: string, s: Sample) => `${label.padEnd(22)} rss=${mb(s.rssKb)} MB (anon ${mb(s.anonKb)}, file ${mb(s.fileKb)})${s.probe ? ` ${s.probe}` : ''}`;

/** One keep-alive connection through the door that has had one answer and now idles. */
function idleConnection(i: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const localAddress = `127.0.${Math.floor(i / PER_ADDRESS / 250)}.${2 + (Math.floor(i / PER_ADDRESS) % 250)}`;
    const tcp = netConnect({ host: '127.0.0.1', port: doorPort, localAddress });
    const s = connect({ socket: tcp, servername: DOMAIN, ca: ca.caPem }, () => {
      s.write(`GET /identity HTTP/1.1\r\nHost: ${DOMAIN}\r\n\r\n`);
    });
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      got += d;
      const head = got.indexOf('\r\n\r\n');
      const len = /content-length: *(\d+)/i.exec(got)?.[1];
      if (head >= 0 && (len === undefined ? got.endsWith('\r\n0\r\n\r\n') : got.length - head - 4 >= Number(len))) {
        if (!got.startsWith('HTTP/1.1 200')) reject(new Error(`connection ${i}: ${got.split('\r\n')[0]}`));
        s.removeAllListeners('data');
        resolve(s);
      }
    });
    s.on('error', reject);
  });
}

async function openConnections(n: number): Promise<TLSSocket[]> {
  const out: TLSSocket[] = [];
  // 50 at a time, like a busy evening's clients rather than a flood.
  for (let i = 0; i < n; i += 50) out.push(...await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => idleConnection(i + k))));
  return out;
}

console.log(`portico serve from ${FROM}, node ${[...nodeFlags, ...probeFlags.filter((f) => f.startsWith('--expose'))].join(' ')}${PROBE ? ' + probe' : ''}; settle ${SETTLE} s`);
try {
  for (let run = 1; run <= RUNS; run++) {
    const err = { text: '' };
    const child = spawn(process.execPath, [...nodeFlags, ...probeFlags, bin, 'serve', '--config', config], {
      env: { ...env, ...(FROM === 'source' ? { PORTICO_FROM_SOURCE: '1' } : {}), PORTICO_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d; });
    child.stderr!.on('data', (d: Buffer) => { err.text += d; });
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 300 && !out.includes('Press Ctrl+C') && child.exitCode === null; i++) await sleep(0.1);
    if (!out.includes('Press Ctrl+C')) throw new Error(`portico serve did not start:\n${out}${err.text}`);
    await sleep(SETTLE);
    console.log(line(`run ${run}: idle ${SETTLE} s`, await sample(child, err)));
    if (run === RUNS) {
      const base = await sample(child, err);
      for (const n of CONNS) {
        const conns = await openConnections(n);
        await sleep(HOLD);
        const open = await sample(child, err);
        console.log(line(`${n} connections open`, open));
        const heap = (s: Sample) => Number(/heapUsed=([\d.]+)/.exec(s.probe)?.[1] ?? NaN) * 1048576;
        const perConn = (a: number, b: number) => `${Math.round((a - b) / n).toLocaleString('en')} B`;
        console.log(`${''.padEnd(22)} per connection: rss ${perConn(open.rssKb * 1024, base.rssKb * 1024)}${PROBE ? `, heap ${perConn(heap(open), heap(base))}` : ''}`);
        for (const c of conns) c.destroy();
        await sleep(HOLD);
        console.log(line(`${n} closed, ${HOLD} s later`, await sample(child, err)));
      }
    }
    child.kill('SIGTERM');
    await exited;
    const warnings = err.text.split('\n').filter((l) => l && !l.startsWith('probe') && !/SIGTERM|stopp/.test(l));
    if (warnings.length) console.log(`service said:\n  ${warnings.join('\n  ')}`);
  }
} finally {
  await pms.stop();
  await rm(dir, { recursive: true, force: true });
}
