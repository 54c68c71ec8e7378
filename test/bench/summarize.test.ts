import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, limitOf } from '../../bench/summarize.ts';
import type { GradedTarget } from '../../bench/summarize.ts';

// results.csv as bench/run.sh writes it: round,subject,test,value,p50,p99,cpu%,rssMB,cpu0%,cpu1%,other%,note
const HEAD = 'round,subject,test,value,p50_ms,p99_ms,cpu_pct,rss_mb,cpu0_pct,cpu1_pct,other_pct,note';
type Row = { round?: string; subject: string; test: string; value: number; p99?: number; cpu?: number; rss?: number; cpu0?: number; cpu1?: number; other?: number; note?: string };
const line = (r: Row) => [r.round ?? '1', r.subject, r.test, r.value, '', r.p99 ?? '', r.cpu ?? '', r.rss ?? '', r.cpu0 ?? '', r.cpu1 ?? '', r.other ?? 3, r.note ?? ''].join(',');
const csv = (rows: Row[]) => [HEAD, ...rows.map(line)].join('\n') + '\n';

// One subject's samples for every measured test; `k` scales its speed, `c` its CPU use.
function subject(name: string, o: { hs: number; hsres: number; bulk: number; small: number; p99: number; hsCpu: number; resCpu: number; bulkCpu: number; rss: number; idle: [number, number]; resumes?: boolean }): Row[] {
  return [
    { round: '0', subject: name, test: 'rss_idle_start', value: o.idle[0] },
    { round: '0', subject: name, test: 'resumes', value: o.resumes === false ? 0 : 1 },
    { subject: name, test: 'bulk', value: o.bulk, cpu: o.bulkCpu, rss: o.rss, cpu0: 99, cpu1: o.bulkCpu + 5 },
    { subject: name, test: 'par4', value: o.bulk * 1.1, cpu: o.bulkCpu, rss: o.rss, cpu0: 99, cpu1: o.bulkCpu + 5 },
    { subject: name, test: 'small', value: o.small, p99: o.p99, cpu: 80, rss: o.rss, cpu0: 100, cpu1: 85 },
    { subject: name, test: 'hs', value: o.hs, cpu: o.hsCpu, rss: o.rss, cpu0: 99, cpu1: o.hsCpu + 10 },
    { subject: name, test: 'hsres', value: o.hsres, cpu: o.resCpu, rss: o.rss, cpu0: 98, cpu1: o.resCpu + 10 },
    { round: 'end', subject: name, test: 'rss_idle_end', value: o.idle[1] },
  ];
}
const HAPROXY = { hs: 1000, hsres: 2000, bulk: 800, small: 40000, p99: 4, hsCpu: 50, resCpu: 40, bulkCpu: 96, rss: 23, idle: [19, 22] as [number, number] };
const serve = (mb: number): Row => ({ round: 'end', subject: 'serve', test: 'rss_idle', value: mb, cpu: 0, note: 'from=dist' });
/** Issue 13's targets for the door (the passthrough target is issue 2's). */
const DOOR_TARGETS = ['new handshakes/s', 'resumed handshakes/s', 'CPU µs per new handshake', 'CPU µs per resumed handshake', 'bulk MB/s', 'small req/s', 'small p99 ms', 'CPU s per GB (bulk)', 'door peak RSS MB, whole bench', 'portico serve idle RSS MB'];
const byWhat = (targets: GradedTarget[]) => Object.fromEntries(targets.map((t) => [t.what, t]));

test('a door at or better than HAProxy on every measure passes every issue-13 target', () => {
  const s = summarize({
    name: 'fixture',
    csv: csv([
      ...subject('haproxy', HAPROXY),
      // 0.95× new handshakes at 1.14× the CPU per handshake, 1.0× bulk at 0.99× CPU per GB
      ...subject('door', { hs: 950, hsres: 1900, bulk: 800, small: 40500, p99: 4.5, hsCpu: 54, resCpu: 44, bulkCpu: 95, rss: 90, idle: [60, 70] }),
      serve(70),
    ]),
  });
  const t = byWhat(s.targets);
  for (const what of DOOR_TARGETS) {
    assert.equal(t[what]?.grade, 'PASS', `${what}: ${JSON.stringify(t[what])}`);
  }
  assert.equal(t['new handshakes/s']!.ratio.toFixed(2), '0.95');
  assert.equal(t['CPU µs per new handshake']!.door.toFixed(0), '568'); // 0.54 s of CPU per second over 950/s
  assert.equal(t['CPU µs per new handshake']!.base.toFixed(0), '500');
  // no passthrough samples in this run: those are not passes
  assert.equal(t['passthrough MB/s (issue 2)']!.grade, 'NO DATA');
  assert.match(s.text, /\| new handshakes\/s \| 950 \| 1,000 \(HAProxy\) \| 0\.95× \| ≥ 0\.9× \| PASS \|/);
  assert.match(s.text, /2 of 12 targets not met/);
});

test('each target fails on its own side of the line', () => {
  const s = summarize({
    name: 'fixture',
    csv: csv([
      ...subject('haproxy', HAPROXY),
      // 0.55× handshakes at 1.58× the CPU each; 0.9× bulk at 1.2× CPU per GB; 0.9× small req/s, 1.5× p99
      ...subject('door', { hs: 550, hsres: 1700, bulk: 720, small: 36000, p99: 6, hsCpu: 43.5, resCpu: 50, bulkCpu: 104, rss: 255, idle: [92, 250] }),
      serve(95),
    ]),
  });
  const t = byWhat(s.targets);
  for (const what of DOOR_TARGETS) {
    assert.equal(t[what]?.grade, 'FAIL', `${what}: ${JSON.stringify(t[what])}`);
  }
  assert.equal(t['door peak RSS MB, whole bench']!.door, 255);
  assert.equal(t['portico serve idle RSS MB']!.door, 95);
});

test('memory: the peak through the whole bench includes the idle readings, and 100 MB is not under 100 MB', () => {
  const run = (peak: number, idleEnd: number) => byWhat(summarize({
    name: 'fixture',
    csv: csv([...subject('haproxy', HAPROXY), ...subject('door', { ...HAPROXY, rss: peak, idle: [60, idleEnd] })]),
  }).targets)['door peak RSS MB, whole bench']!;
  assert.equal(run(99, 70).grade, 'PASS');
  assert.equal(run(100, 70).grade, 'FAIL');
  const grown = run(80, 130);     // grew after the last sample: the idle reading after load is the peak
  assert.equal(grown.grade, 'FAIL');
  assert.equal(grown.door, 130);
});

test('medians over rounds: one outlier round does not decide a target', () => {
  const door = (round: string, hs: number): Row => ({ round, subject: 'door', test: 'hs', value: hs, cpu: 50, cpu0: 99, cpu1: 60 });
  const base = (round: string): Row => ({ round, subject: 'haproxy', test: 'hs', value: 1000, cpu: 50, cpu0: 99, cpu1: 60 });
  const s = summarize({ name: 'fixture', csv: csv([base('1'), base('2'), base('3'), door('1', 950), door('2', 100), door('3', 960)]) });
  assert.equal(byWhat(s.targets)['new handshakes/s']!.door, 950);
  assert.equal(byWhat(s.targets)['new handshakes/s']!.grade, 'PASS');
});

test('resumed handshakes only count when the subject resumed a session in the check', () => {
  const noResume = summarize({ name: 'fixture', csv: csv([...subject('haproxy', HAPROXY), ...subject('door', { ...HAPROXY, resumes: false })]) });
  const t = byWhat(noResume.targets);
  assert.equal(t['resumed handshakes/s']!.grade, 'FAIL');
  assert.match(t['resumed handshakes/s']!.note, /door did not resume/);
  assert.equal(t['new handshakes/s']!.grade, 'PASS');
  assert.match(noResume.text, /door DOES NOT resume/);
  assert.match(noResume.text, /\| Portico door TLS→HTTP \|[^\n]*\| not resumed \|/);

  const baseNoResume = byWhat(summarize({ name: 'fixture', csv: csv([...subject('haproxy', { ...HAPROXY, resumes: false }), ...subject('door', HAPROXY)]) }).targets);
  assert.equal(baseNoResume['resumed handshakes/s']!.grade, 'NO DATA');
});

test('without HAProxy in the run there is no baseline: ratio targets say NO DATA, never PASS', () => {
  const s = summarize({ name: 'fixture', csv: csv([...subject('door', HAPROXY), serve(70)]) });
  const t = byWhat(s.targets);
  assert.equal(t['new handshakes/s']!.grade, 'NO DATA');
  assert.equal(t['bulk MB/s']!.grade, 'NO DATA');
  assert.equal(t['portico serve idle RSS MB']!.grade, 'PASS');
});

test('what limited a run: the saturated core, told apart from a core other processes filled', () => {
  assert.equal(limitOf(99, 60), 'load core');
  assert.equal(limitOf(50, 97), 'proxy core');
  assert.equal(limitOf(95, 95), 'both cores');
  assert.equal(limitOf(70, 60), 'neither core');
  const s = summarize({
    name: 'fixture',
    csv: csv([
      ...subject('haproxy', HAPROXY),
      ...subject('door', HAPROXY),
      { round: '1', subject: 'caddy', test: 'hs', value: 700, cpu: 20, cpu0: 99, cpu1: 100 },
    ]),
  });
  assert.equal(s.limits.get('door/hs'), 'load core');
  assert.equal(s.limits.get('door/small'), 'load core');
  assert.equal(byWhat(s.targets)['new handshakes/s']!.note, 'load core / load core');
  // caddy's core was full but caddy itself used 20 %: the summary says others were on it
  assert.match(s.text, /\| Caddy reverse_proxy \| [^\n]*both cores \(proxy 20%, its core 100%, shared with other processes; load core 99%\)/);
});

test('the CLI reads a results directory and refuses a directory without results.csv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  try {
    const cli = (d: string) => spawnSync(process.execPath, [new URL('../../bench/summarize.ts', import.meta.url).pathname, d], { encoding: 'utf8' });
    const missing = cli(dir);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no results\.csv in .*pass the run directory/);
    writeFileSync(join(dir, 'results.csv'), csv([...subject('haproxy', HAPROXY), ...subject('door', HAPROXY), serve(70)]));
    writeFileSync(join(dir, 'discarded.csv'), `${line({ subject: 'door', test: 'hs', value: 1 })}\n`);
    const ok = cli(dir);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /1 noisy sample\(s\) set aside/);
    assert.match(ok.stdout, /portico serve idle: 70\.0 MB RSS, 0 % CPU \(run from dist\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
