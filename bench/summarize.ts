/**
 * Turns bench/results/<run>/results.csv (written by bench/run.sh) into the summary: medians per
 * subject, CPU per handshake and per GB, memory idle / peak / after load, ratios to HAProxy in the
 * same run, what limited each measurement (the proxy's core or the load generator's), and issue 13's
 * targets graded PASS/FAIL (issue 2's passthrough targets too).
 *
 * usage: node bench/summarize.ts <results-dir>
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface Sample { round: string; subject: string; test: string; value: number; p99: number; cpu: number; rss: number; cpu0: number; cpu1: number; other: number; note: string }
export type Grade = 'PASS' | 'FAIL' | 'NO DATA';
export type Limit = 'proxy core' | 'load core' | 'both cores' | 'neither core';
export interface GradedTarget { what: string; door: number; base: number; baseName: string; ratio: number; want: string; grade: Grade; note: string }
export interface SummaryInput { csv: string; name: string; versions?: string; discarded?: number; doorMemory?: string }
export interface Summary { text: string; targets: GradedTarget[]; limits: Map<string, Limit> }

/** A core busier than this during a sample counts as saturated (the rest is scheduling and interrupts). */
export const SATURATED_PCT = 90;
/** run.sh's STRAY_MAX: the proxy's core busier than the proxy by more than this was also running others. */
const STRAY_PCT = 45;
const PEAK_RSS_MAX_MB = 100;
const SERVE_IDLE_RSS_MAX_MB = 80;

const num = (s: string | undefined): number => (s === undefined || s === '' ? NaN : Number(s));
function parse(csv: string): Sample[] {
  return csv.trim().split('\n').slice(1).filter(Boolean).map((line) => {
    const [round = '', subject = '', test = '', value, , p99, cpu, rss, cpu0, cpu1, other, ...note] = line.split(',');
    return { round, subject, test, value: num(value), p99: num(p99), cpu: num(cpu), rss: num(rss), cpu0: num(cpu0), cpu1: num(cpu1), other: num(other), note: note.join(',') };
  });
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Which core ran out during a measurement, from the busy % of the load core (CPU0) and the proxy's (CPU1). */
export function limitOf(cpu0: number, cpu1: number): Limit {
  const load = cpu0 >= SATURATED_PCT, proxy = cpu1 >= SATURATED_PCT;
  return load && proxy ? 'both cores' : proxy ? 'proxy core' : load ? 'load core' : 'neither core';
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const times = (r: number): string => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a');
function table(head: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

const LABEL: Record<string, string> = {
  direct: 'direct backend (nginx, no TLS)',
  haproxy: 'HAProxy TLS→HTTP',
  nginx: 'nginx TLS→HTTP',
  caddy: 'Caddy reverse_proxy',
  door: 'Portico door TLS→HTTP',
  'node-pipe': 'Node raw TLS→TCP pipe (ceiling)',
  origin: 'direct TLS to the origin (nginx)',
  'door-pass': 'through the door\'s passthrough',
  'haproxy-pass': 'through HAProxy mode tcp (reference)',
  'node-tcp': 'through a raw Node TCP pipe (reference)',
  'node-tcp-hwm': 'through a raw Node TCP pipe, 256 KiB highWaterMark (reference)',
};
const TESTS: Record<string, string> = { bulk: 'bulk', par4: '4 streams', small: 'small', hs: 'new hs', hsres: 'resumed hs', pass: 'passthrough' };

export function summarize(input: SummaryInput): Summary {
  const rows = parse(input.csv);
  // rounds are numbered; 'prof' rows come from the profiling pass, '0'/'end' hold checks and idle RSS
  const measured = rows.filter((r) => /^[1-9]\d*$/.test(r.round));
  const of = (s: string, t: string) => measured.filter((r) => r.subject === s && r.test === t);
  const pick = (s: string, t: string, f: (r: Sample) => number): number => median(of(s, t).map(f));
  const value = (s: string, t: string): number => pick(s, t, (r) => r.value);
  const p99 = (s: string, t: string): number => pick(s, t, (r) => r.p99);
  const cpu = (s: string, t: string): number => pick(s, t, (r) => r.cpu);
  // the proxy's own CPU per unit of work: comparable even when the load side, not the proxy, saturates
  const cpuPerHandshake = (s: string, t: 'hs' | 'hsres'): number => pick(s, t, (r) => (r.cpu / 100) * 1e6 / r.value); // µs
  const cpuPerGB = (s: string, t: 'bulk' | 'par4'): number => pick(s, t, (r) => (r.cpu / 100) * 1e3 / r.value); // CPU s per GB
  const fixed = (s: string, test: string): number => rows.find((r) => r.subject === s && r.test === test)?.value ?? NaN;
  const resumes = (s: string): boolean | undefined => { const v = fixed(s, 'resumes'); return Number.isNaN(v) ? undefined : v === 1; };
  const peakRss = (s: string): number => {
    const xs = measured.filter((r) => r.subject === s || (s === 'door' && r.subject === 'door-pass')).map((r) => r.rss).filter(Number.isFinite);
    return xs.length ? Math.max(...xs) : NaN;
  };
  // peak through the whole bench: every sample under load and both idle readings
  const benchPeakRss = (s: string): number => {
    const xs = [peakRss(s), fixed(s, 'rss_idle_start'), fixed(s, 'rss_idle_end')].filter(Number.isFinite);
    return xs.length ? Math.max(...xs) : NaN;
  };
  const limits = new Map<string, Limit>();
  const limit = (s: string, t: string): Limit | undefined => {
    const ss = of(s, t);
    if (ss.length === 0) return undefined;
    // the direct backend runs on the load core; the proxy's core is idle then
    const l = limitOf(median(ss.map((r) => r.cpu0)), s === 'direct' ? 0 : median(ss.map((r) => r.cpu1)));
    limits.set(`${s}/${t}`, l);
    return l;
  };
  // value per unit of the proxy's own CPU (value ÷ CPU share): what each would do with a whole core to itself
  const perCore = (t: string, s: string, base: string): number =>
    median(of(s, t).map((r) => r.value / r.cpu)) / median(of(base, t).map((r) => r.value / r.cpu));

  const subjects = ['direct', 'haproxy', 'nginx', 'caddy', 'door', 'node-pipe'].filter((s) => measured.some((r) => r.subject === s));
  const proxies = subjects.filter((s) => s !== 'direct');
  const isProxy = (s: string) => s !== 'direct';
  const out: string[] = [`Portico bench, ${input.name}`, input.versions ?? '', ''];

  out.push(table(
    ['subject', 'bulk MB/s', '4 streams MB/s', 'small req/s', 'small p99 ms', 'new hs/s', 'resumed hs/s', 'CPU µs/new hs', 'CPU µs/resumed hs', 'CPU s/GB bulk (4 streams)', 'RSS MB idle→peak→after'],
    subjects.map((s) => {
      const res = resumes(s);
      return [
        LABEL[s] ?? s,
        fmt(value(s, 'bulk')), fmt(value(s, 'par4')), fmt(value(s, 'small')), fmt(p99(s, 'small'), 2),
        isProxy(s) ? fmt(value(s, 'hs')) : '—',
        isProxy(s) ? (res === false ? 'not resumed' : fmt(value(s, 'hsres'))) : '—',
        isProxy(s) ? fmt(cpuPerHandshake(s, 'hs')) : '—',
        isProxy(s) ? (res === false ? '—' : fmt(cpuPerHandshake(s, 'hsres'))) : '—',
        `${fmt(cpuPerGB(s, 'bulk'), 2)} (${fmt(cpuPerGB(s, 'par4'), 2)})`,
        isProxy(s) ? `${fmt(fixed(s, 'rss_idle_start'), 1)}→${fmt(peakRss(s))}→${fmt(fixed(s, 'rss_idle_end'), 1)}` : '—',
      ];
    }),
  ));

  if (proxies.includes('haproxy') && proxies.length > 1) {
    const cols: [string, (s: string) => number][] = [
      ['bulk', (s) => value(s, 'bulk')], ['4 streams', (s) => value(s, 'par4')], ['small req/s', (s) => value(s, 'small')],
      ['small p99', (s) => p99(s, 'small')], ['new hs/s', (s) => value(s, 'hs')], ['resumed hs/s', (s) => value(s, 'hsres')],
      ['CPU/new hs', (s) => cpuPerHandshake(s, 'hs')], ['CPU/resumed hs', (s) => cpuPerHandshake(s, 'hsres')],
      ['CPU/GB', (s) => cpuPerGB(s, 'bulk')], ['peak RSS', (s) => peakRss(s)],
    ];
    out.push('', 'Ratios to HAProxy in this run (for p99, CPU and RSS lower is better):', '',
      table(['subject', ...cols.map(([c]) => c)], proxies.filter((s) => s !== 'haproxy').map((s) => [LABEL[s] ?? s, ...cols.map(([, f]) => times(f(s) / f('haproxy')))])));
  }

  const limitTests = Object.keys(TESTS).filter((t) => t !== 'pass' && measured.some((r) => r.test === t));
  if (limitTests.length) {
    const cell = (s: string, t: string): string => {
      const l = limit(s, t);
      if (!l) return '—';
      const own = cpu(s, t), core = median(of(s, t).map((r) => r.cpu1)), load = median(of(s, t).map((r) => r.cpu0));
      if (s === 'direct') return `${l} (backend ${fmt(own)}%; load core ${fmt(load)}%)`;
      // kernel network work on the proxy's core is normally < ~35 %; far more was someone else's
      const shared = core - own > STRAY_PCT ? ', shared with other processes' : '';
      return `${l} (proxy ${fmt(own)}%, its core ${fmt(core)}%${shared}; load core ${fmt(load)}%)`;
    };
    out.push('', `What limited each measurement (a core busier than ${SATURATED_PCT} % is saturated; "neither" means latency or the client's concurrency):`, '',
      table(['subject', ...limitTests.map((t) => TESTS[t]!)], subjects.map((s) => [LABEL[s] ?? s, ...limitTests.map((t) => cell(s, t))])));
  }

  const passSubjects = ['origin', 'door-pass', 'haproxy-pass', 'node-tcp', 'node-tcp-hwm'].filter((s) => of(s, 'pass').length);
  if (passSubjects.length) {
    out.push('', table(['passthrough (nginx terminates TLS)', 'bulk MB/s', 'vs direct', 'proxy CPU%'],
      passSubjects.map((s) => [LABEL[s] ?? s, fmt(value(s, 'pass')), times(value(s, 'pass') / value('origin', 'pass')), s === 'origin' ? '—' : fmt(cpu(s, 'pass'))])));
  }

  // ratio targets compare the door with a baseline in this run; absolute ones compare with a fixed limit
  type Target = { what: string; door: number; base: number; baseName: string; want: string; ok: (x: number) => boolean; absolute?: boolean; digits?: number; perCore?: number; test?: string; invalid?: string };
  const doorRes = resumes('door'), baseRes = resumes('haproxy');
  const resumedInvalid = doorRes === false ? 'door did not resume a session in check.txt' : undefined;
  const resumedNoBase = baseRes === false ? 'HAProxy did not resume a session in check.txt' : undefined;
  const serve = rows.find((r) => r.subject === 'serve' && r.test === 'rss_idle');
  const targets: Target[] = [
    { what: 'new handshakes/s', door: value('door', 'hs'), base: value('haproxy', 'hs'), baseName: 'HAProxy', want: '≥ 0.9×', ok: (r) => r >= 0.9, perCore: perCore('hs', 'door', 'haproxy'), test: 'hs' },
    { what: 'resumed handshakes/s', door: value('door', 'hsres'), base: resumedNoBase ? NaN : value('haproxy', 'hsres'), baseName: 'HAProxy', want: '≥ 0.9×', ok: (r) => r >= 0.9, perCore: perCore('hsres', 'door', 'haproxy'), test: 'hsres', invalid: resumedInvalid },
    { what: 'CPU µs per new handshake', door: cpuPerHandshake('door', 'hs'), base: cpuPerHandshake('haproxy', 'hs'), baseName: 'HAProxy', want: '≤ 1.2×', ok: (r) => r <= 1.2, test: 'hs' },
    { what: 'CPU µs per resumed handshake', door: cpuPerHandshake('door', 'hsres'), base: resumedNoBase ? NaN : cpuPerHandshake('haproxy', 'hsres'), baseName: 'HAProxy', want: '≤ 1.2×', ok: (r) => r <= 1.2, test: 'hsres', invalid: resumedInvalid },
    { what: 'bulk MB/s', door: value('door', 'bulk'), base: value('haproxy', 'bulk'), baseName: 'HAProxy', want: '≥ 0.95×', ok: (r) => r >= 0.95, perCore: perCore('bulk', 'door', 'haproxy'), test: 'bulk' },
    { what: 'small req/s', door: value('door', 'small'), base: value('haproxy', 'small'), baseName: 'HAProxy', want: '≥ 1.0×', ok: (r) => r >= 1.0, perCore: perCore('small', 'door', 'haproxy'), test: 'small' },
    { what: 'small p99 ms', door: p99('door', 'small'), base: p99('haproxy', 'small'), baseName: 'HAProxy', want: '≤ 1.2×', ok: (r) => r <= 1.2, digits: 2, test: 'small' },
    { what: 'CPU s per GB (bulk)', door: cpuPerGB('door', 'bulk'), base: cpuPerGB('haproxy', 'bulk'), baseName: 'HAProxy', want: '≤ 1.0×', ok: (r) => r <= 1.0, digits: 2, test: 'bulk' },
    { what: 'door peak RSS MB, whole bench', door: benchPeakRss('door'), base: PEAK_RSS_MAX_MB, baseName: 'limit', want: `< ${PEAK_RSS_MAX_MB} MB`, ok: (x) => x < PEAK_RSS_MAX_MB, absolute: true },
    { what: 'portico serve idle RSS MB', door: serve?.value ?? NaN, base: SERVE_IDLE_RSS_MAX_MB, baseName: 'limit', want: `< ${SERVE_IDLE_RSS_MAX_MB} MB`, ok: (x) => x < SERVE_IDLE_RSS_MAX_MB, absolute: true, digits: 1 },
    { what: 'passthrough MB/s (issue 2)', door: value('door-pass', 'pass'), base: value('origin', 'pass'), baseName: 'direct TLS', want: '≥ 0.9×', ok: (r) => r >= 0.9 },
    { what: 'passthrough MB/s (issue 2)', door: value('door-pass', 'pass'), base: value('node-tcp', 'pass'), baseName: 'raw Node TCP pipe', want: '≥ 0.9×', ok: (r) => r >= 0.9 },
  ];
  const graded: GradedTarget[] = targets.map((t) => {
    const r = t.absolute ? t.door : t.door / t.base;
    const grade: Grade = t.invalid ? 'FAIL' : Number.isFinite(r) ? (t.ok(r) ? 'PASS' : 'FAIL') : 'NO DATA';
    const lim = t.test ? `${limit('door', t.test) ?? '—'} / ${limit('haproxy', t.test) ?? '—'}` : '';
    return { what: t.what, door: t.door, base: t.base, baseName: t.baseName, ratio: t.absolute ? NaN : r, want: t.want, grade, note: t.invalid ?? lim };
  });
  out.push('', table(['target (issue 13 unless marked)', 'door', 'baseline', 'ratio', 'want', 'result', 'ratio per proxy CPU', 'limited by (door / baseline)'],
    targets.map((t, i) => {
      const g = graded[i]!;
      const d = t.digits ?? 0;
      const pc = t.perCore !== undefined && Number.isFinite(t.perCore) ? times(t.perCore) : '—';
      return [t.what, fmt(t.door, d), t.absolute ? '—' : `${fmt(t.base, d)} (${t.baseName})`, t.absolute ? '—' : times(g.ratio), t.want, g.grade, pc, g.note || '—'];
    })));

  const doorPass = value('door-pass', 'pass');
  const refs = ['haproxy-pass', 'node-tcp', 'node-tcp-hwm'].filter((r) => Number.isFinite(value(r, 'pass')));
  if (Number.isFinite(doorPass) && refs.length) {
    out.push('', `door passthrough against other TCP pipes over the same hop: ${refs.map((r) => `${times(doorPass / value(r, 'pass'))} ${LABEL[r]?.replace(/^through /, '') ?? r}`).join('; ')}`);
  }
  const checked = proxies.map((s) => [s, resumes(s)] as const).filter(([, v]) => v !== undefined);
  if (checked.length) out.push('', `session resumption (check.txt): ${checked.map(([s, v]) => `${s} ${v ? 'resumes' : 'DOES NOT resume'}`).join(', ')}`);
  out.push(`door RSS: idle ${fmt(fixed('door', 'rss_idle_start'), 1)} MB at start, peak ${fmt(peakRss('door'))} MB under load, ${fmt(fixed('door', 'rss_idle_end'), 1)} MB idle after the run`);
  if (input.doorMemory) out.push(`door process.memoryUsage() after the run: ${input.doorMemory.replace(/^memory /, '')}`);
  if (serve) out.push(`portico serve idle: ${fmt(serve.value, 1)} MB RSS, ${fmt(serve.cpu)} % CPU (${serve.note.replace('from=', 'run from ')})`);
  // other processes' CPU (% of one core) during each kept sample; noisy samples were retried by run.sh
  const others = measured.map((r) => r.other).filter(Number.isFinite);
  const worst = others.length ? Math.max(...others) : NaN;
  out.push(`other processes on this machine during the kept samples: median ${fmt(median(others.map((x) => x + 1)) - 1)}%, worst ${fmt(worst)}% of a core; ${input.discarded ?? 0} noisy sample(s) set aside and retaken${worst > 15 ? ' — the machine was not quiet; treat the numbers as noisy and rerun' : ''}`);
  const failed = graded.filter((g) => g.grade !== 'PASS').length;
  out.push(failed ? `${failed} of ${graded.length} targets not met (FAIL or NO DATA)` : `all ${graded.length} targets met`);
  return { text: out.join('\n'), targets: graded, limits };
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir || !existsSync(join(dir, 'results.csv'))) {
    console.error(`summarize: no results.csv in ${dir ?? '(no directory given)'}; pass the run directory, e.g. bench/results/20261129-050000`);
    process.exit(2);
  }
  const read = (f: string): string | undefined => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : undefined);
  console.log(summarize({
    csv: readFileSync(join(dir, 'results.csv'), 'utf8'),
    name: dir.replace(/\/$/, '').split('/').pop() ?? dir,
    versions: read('versions.txt'),
    discarded: (read('discarded.csv') ?? '').split('\n').filter(Boolean).length,
    doorMemory: read('door-memory.txt'),
  }).text);
}
