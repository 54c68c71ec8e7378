/**
 * Turns bench/results/<run>/results.csv (written by bench/run.sh) into the summary table: medians
 * per subject, ratios to HAProxy (passthrough: to direct TLS), and issue 2's targets with PASS/FAIL.
 *
 * usage: node bench/summarize.ts <results-dir>
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

interface Row { round: string; subject: string; test: string; value: number; p99: number; cpu: number; rss: number; cpu0: number; cpu1: number; other: number }

const dir = process.argv[2];
if (!dir || !existsSync(join(dir, 'results.csv'))) {
  console.error(`summarize: no results.csv in ${dir ?? '(no directory given)'}; pass the run directory, e.g. bench/results/20261129-050000`);
  process.exit(2);
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));
const rows: Row[] = readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n').slice(1).map((line) => {
  const [round = '', subject = '', test = '', value, , p99, cpu, rss, cpu0, cpu1, other] = line.split(',');
  return { round, subject, test, value: num(value), p99: num(p99), cpu: num(cpu), rss: num(rss), cpu0: num(cpu0), cpu1: num(cpu1), other: num(other) };
});
// rounds are numbered; 'prof' rows come from the profiling pass and '0'/'end' hold idle RSS
const measured = rows.filter((r) => /^[1-9]\d*$/.test(r.round));

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const pick = (subject: string, test: string, f: (r: Row) => number): number =>
  median(measured.filter((r) => r.subject === subject && r.test === test).map(f));
const value = (s: string, t: string): number => pick(s, t, (r) => r.value);
const p99 = (s: string, t: string): number => pick(s, t, (r) => r.p99);
const cpu = (s: string, t: string): number => pick(s, t, (r) => r.cpu);
const peakRss = (s: string): number => {
  const xs = measured.filter((r) => r.subject === s || (s === 'door' && r.subject === 'door-pass')).map((r) => r.rss).filter(Number.isFinite);
  return xs.length ? Math.max(...xs) : NaN;
};
// the proxy's own CPU time per new connection: comparable even when the load side, not the proxy, saturates
const cpuPerHandshake = (s: string): number =>
  median(measured.filter((r) => r.subject === s && r.test === 'hs').map((r) => (r.cpu / 100) * 1e6 / r.value));
const idleRss = (s: string, label: string): number => rows.find((r) => r.subject === s && r.test === label)?.value ?? NaN;

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const ratio = (a: number, b: number): number => a / b;

function table(head: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

const LABEL: Record<string, string> = {
  direct: 'direct backend (nginx, no TLS)',
  haproxy: 'HAProxy TLS→HTTP',
  door: 'Portico door TLS→HTTP',
  'node-pipe': 'Node raw TLS→TCP pipe (ceiling)',
  origin: 'direct TLS to the origin (nginx)',
  'door-pass': 'through the door\'s passthrough',
  'haproxy-pass': 'through HAProxy mode tcp (reference)',
  'node-tcp': 'through a raw Node TCP pipe (reference)',
  'node-tcp-hwm': 'through a raw Node TCP pipe, 256 KiB highWaterMark (reference)',
};
const subjects = ['direct', 'haproxy', 'door', 'node-pipe'].filter((s) => measured.some((r) => r.subject === s));

const out: string[] = [];
const versions = existsSync(join(dir, 'versions.txt')) ? readFileSync(join(dir, 'versions.txt'), 'utf8').trim() : '';
out.push(`Portico bench, ${dir.split('/').pop()}`, versions, '');
out.push(table(
  ['subject', 'bulk MB/s', 'small req/s', 'small p99 ms', 'handshakes/s', 'CPU µs/handshake', 'CPU% bulk/small/hs', 'RSS MB idle→peak→idle'],
  subjects.map((s) => [
    LABEL[s] ?? s,
    fmt(value(s, 'bulk')), fmt(value(s, 'small')), fmt(p99(s, 'small'), 2),
    s === 'direct' ? '—' : fmt(value(s, 'hs')),
    s === 'direct' ? '—' : fmt(cpuPerHandshake(s)),
    `${fmt(cpu(s, 'bulk'))}/${fmt(cpu(s, 'small'))}/${s === 'direct' ? '—' : fmt(cpu(s, 'hs'))}`,
    s === 'direct' ? '—' : `${fmt(idleRss(s, 'rss_idle_start'), 1)}→${fmt(peakRss(s))}→${fmt(idleRss(s, 'rss_idle_end'), 1)}`,
  ]),
));
const passSubjects = ['origin', 'door-pass', 'haproxy-pass', 'node-tcp', 'node-tcp-hwm'].filter((s) => measured.some((r) => r.subject === s && r.test === 'pass'));
if (passSubjects.length) {
  out.push('', table(['passthrough (nginx terminates TLS)', 'bulk MB/s', 'vs direct', 'proxy CPU%'],
    passSubjects.map((s) => [LABEL[s] ?? s, fmt(value(s, 'pass')), `${ratio(value(s, 'pass'), value('origin', 'pass')).toFixed(2)}×`, s === 'origin' ? '—' : fmt(cpu(s, 'pass'))])));
}

// perCore: the same ratio per unit of the proxy's own CPU (value ÷ CPU share): what each would do with a
// whole core to itself. It matters when the load side saturates first, as it does for handshakes here.
type Target = { what: string; door: number; base: number; baseName: string; want: string; ok: (r: number) => boolean; digits?: number; perCore?: number };
const perCore = (test: string, door: string, base: string): number =>
  median(measured.filter((r) => r.subject === door && r.test === test).map((r) => r.value / r.cpu)) /
  median(measured.filter((r) => r.subject === base && r.test === test).map((r) => r.value / r.cpu));
const targets: Target[] = [
  { what: 'bulk MB/s', door: value('door', 'bulk'), base: value('haproxy', 'bulk'), baseName: 'HAProxy', want: '≥ 0.8×', ok: (r) => r >= 0.8, perCore: perCore('bulk', 'door', 'haproxy') },
  { what: 'small req/s', door: value('door', 'small'), base: value('haproxy', 'small'), baseName: 'HAProxy', want: '≥ 0.5×', ok: (r) => r >= 0.5, perCore: perCore('small', 'door', 'haproxy') },
  { what: 'small p99 ms', door: p99('door', 'small'), base: p99('haproxy', 'small'), baseName: 'HAProxy', want: '≤ 3×', ok: (r) => r <= 3, digits: 2 },
  { what: 'handshakes/s', door: value('door', 'hs'), base: value('haproxy', 'hs'), baseName: 'HAProxy', want: '≥ 0.7×', ok: (r) => r >= 0.7, perCore: perCore('hs', 'door', 'haproxy') },
  { what: 'passthrough MB/s', door: value('door-pass', 'pass'), base: value('origin', 'pass'), baseName: 'direct TLS', want: '≥ 0.9×', ok: (r) => r >= 0.9 },
  { what: 'passthrough MB/s', door: value('door-pass', 'pass'), base: value('node-tcp', 'pass'), baseName: 'raw Node TCP pipe', want: '≥ 0.9×', ok: (r) => r >= 0.9 },
];
let failed = 0;
out.push('', table(['target (issue 2)', 'door', 'baseline', 'ratio', 'want', 'result', 'ratio per proxy CPU'], targets.map((t) => {
  const r = ratio(t.door, t.base);
  const res = Number.isFinite(r) ? (t.ok(r) ? 'PASS' : 'FAIL') : 'NO DATA';
  if (res !== 'PASS') failed++;
  const pc = t.perCore !== undefined && Number.isFinite(t.perCore) ? `${t.perCore.toFixed(2)}×` : '—';
  return [t.what, fmt(t.door, t.digits ?? 0), `${fmt(t.base, t.digits ?? 0)} (${t.baseName})`, Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a', t.want, res, pc];
})));
const doorPass = value('door-pass', 'pass');
const refs = ['haproxy-pass', 'node-tcp', 'node-tcp-hwm'].filter((r) => Number.isFinite(value(r, 'pass')));
if (Number.isFinite(doorPass) && refs.length) {
  out.push('', `door passthrough against other TCP pipes over the same hop: ${refs.map((r) => `${ratio(doorPass, value(r, 'pass')).toFixed(2)}× ${LABEL[r]?.replace(/^through /, '') ?? r}`).join('; ')}`);
}
out.push('', `door RSS: idle ${fmt(idleRss('door', 'rss_idle_start'), 1)} MB at start, peak ${fmt(peakRss('door'))} MB under load, ${fmt(idleRss('door', 'rss_idle_end'), 1)} MB idle after the run`);
// other processes' CPU (% of one core) during each kept sample; noisy samples were retried by run.sh
const others = measured.map((r) => r.other).filter(Number.isFinite).sort((a, b) => a - b);
const discarded = existsSync(join(dir, 'discarded.csv')) ? readFileSync(join(dir, 'discarded.csv'), 'utf8').trim().split('\n').filter(Boolean).length : 0;
const worst = others.at(-1) ?? NaN;
const mem = existsSync(join(dir, 'door-memory.txt')) ? readFileSync(join(dir, 'door-memory.txt'), 'utf8').trim() : '';
if (mem) out.push(`door process.memoryUsage() after the run: ${mem.replace(/^memory /, '')}`);
out.push(`other processes on this machine during the kept samples: median ${fmt(median(others.map((x) => x + 1)) - 1)}%, worst ${fmt(worst)}% of a core; ${discarded} noisy sample(s) set aside and retaken${worst > 15 ? ' — the machine was not quiet; treat the numbers as noisy and rerun' : ''}`);
out.push(failed ? `${failed} of ${targets.length} targets not met` : `all ${targets.length} targets met`);
console.log(out.join('\n'));
