import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { CheckRunner, type Probe } from '../../../main/core/service/check-runner.ts';
import type { Check } from '../../../main/shared/checks.ts';

/** A probe whose answers the test releases one by one, counting its runs. */
function gatedProbe(name: string, area: Check['area'] & string) {
  const waiting: ((c: Check[]) => void)[] = [];
  const forced: boolean[] = [];
  const probe: Probe = {
    name, area, title: `The ${name} works`,
    run: ({ force }) => { forced.push(force); return new Promise((res) => waiting.push(res)); },
  };
  return { probe, forced, answer: (ok: boolean) => waiting.shift()!([{ id: name, title: `The ${name} works`, ok, detail: ok ? 'fine' : 'broken' }]) };
}
const tick = () => new Promise((r) => setImmediate(r));

test('check runner: a first run shows as under way, then the result with its time and area', async () => {
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));
  const dns = gatedProbe('dns', 'dns');
  let changes = 0;
  const r = new CheckRunner({ probes: () => [dns.probe], clock, logger: silentLogger, changed: () => changes++ });
  r.start();
  await tick();
  assert.deepEqual(r.results().map((c) => [c.area, c.ok, c.running]), [['dns', null, true]]);
  dns.answer(false);
  await tick();
  const [c] = r.results();
  assert.equal(c!.ok, false);
  assert.equal(c!.area, 'dns');
  assert.equal(c!.at, '2026-12-01T10:00:00.000Z');
  assert.ok(changes >= 2);
  r.stop();
});

test('check runner: re-runs on schedule, keeping the previous result visible meanwhile', async () => {
  const clock = new ManualClock();
  const dns = gatedProbe('dns', 'dns');
  const r = new CheckRunner({ probes: () => [dns.probe], clock, logger: silentLogger, changed: () => {}, intervalMs: 60_000 });
  r.start();
  await tick();
  dns.answer(true);
  await tick();
  await clock.advance(59_000);
  assert.equal(dns.forced.length, 1);
  await clock.advance(1_000);
  assert.equal(dns.forced.length, 2, 'the interval passed');
  assert.deepEqual(r.results().map((c) => c.ok), [true], 'the last result stands while the new run is out');
  dns.answer(false);
  await tick();
  assert.deepEqual(r.results().map((c) => c.ok), [false]);
  r.stop();
});

test('check runner: events close together make one run; a forced run asked during a run follows it once', async () => {
  const clock = new ManualClock();
  const dns = gatedProbe('dns', 'dns');
  const r = new CheckRunner({ probes: () => [dns.probe], clock, logger: silentLogger, changed: () => {}, settleMs: 2_000 });
  r.start();
  await tick();
  dns.answer(true);
  await tick();
  r.trigger('ip changed');
  await clock.advance(1_000);
  r.trigger('certificate renewed');
  await clock.advance(1_999);
  assert.equal(dns.forced.length, 1, 'still settling');
  await clock.advance(1);
  assert.equal(dns.forced.length, 2, 'one run for both events');
  const verify = r.run({ force: true });
  const verify2 = r.run();
  dns.answer(true);
  await tick();
  assert.deepEqual(dns.forced, [false, false, true], 'the forced run starts after the one under way');
  dns.answer(false);
  const [a, b] = await Promise.all([verify, verify2]);
  assert.deepEqual(a!.map((c) => c.ok), [false], 'Verify gets the result of the run it asked for');
  assert.deepEqual(b!.map((c) => c.ok), [false]);
  r.stop();
});

test('check runner: a probe that throws is a failed check that says so; a probe that no longer applies is dropped', async () => {
  const clock = new ManualClock();
  let withDns = true;
  const boom: Probe = { name: 'outside', area: 'outside', title: 'Reachable from the internet', run: () => Promise.reject(new Error('socket hang up')) };
  const dns: Probe = { name: 'dns', area: 'dns', title: 'DNS', run: async () => [{ id: 'dns', title: 'DNS', ok: true, detail: 'ok' }] };
  const r = new CheckRunner({ probes: () => (withDns ? [boom, dns] : [boom]), clock, logger: silentLogger, changed: () => {} });
  const first = await r.run();
  const out = first.find((c) => c.area === 'outside')!;
  assert.equal(out.ok, false);
  assert.match(out.detail, /The check itself failed: socket hang up/);
  withDns = false;
  const second = await r.run();
  assert.deepEqual(second.map((c) => c.area), ['outside']);
});
