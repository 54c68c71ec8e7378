import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventLog } from '../../../main/core/state/event-log.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

test('keeps the most recent events, oldest first, and tells subscribers', async () => {
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const log = new EventLog({ clock, capacity: 3, redact: (s) => s.replace('s3cret', '[redacted]') });
  const seen: string[] = [];
  const off = log.onDidAdd((e) => seen.push(e.kind));
  log.onDidAdd(() => { throw new Error('listener bug'); });
  for (let i = 1; i <= 5; i++) {
    log.add(`e${i}`, i === 5 ? 'error' : 'info', `event ${i} token s3cret`);
    await clock.advance(1000);
  }
  const list = log.list();
  assert.deepEqual(list.map((e) => e.kind), ['e3', 'e4', 'e5']);
  assert.equal(list[0]!.time, new Date(Date.UTC(2026, 5, 1, 0, 0, 2)).toISOString());
  assert.equal(list[2]!.level, 'error');
  assert.ok(list.every((e) => !e.message.includes('s3cret')));
  assert.deepEqual(seen, ['e1', 'e2', 'e3', 'e4', 'e5']);
  off();
  log.add('e6', 'info', 'x');
  assert.equal(seen.length, 5);
  list[0]!.message = 'mutated';
  assert.notEqual(log.list()[0]!.message, 'mutated');
});

test('events on disk survive a restart, rotate past their size, and a torn line is skipped', async (t) => {
  const { tmpDir } = await import('../../helpers/tmp-dir.ts');
  const { join } = await import('node:path');
  const { appendFileSync, statSync, existsSync } = await import('node:fs');
  const dir = await tmpDir(t);
  const file = join(dir, 'events.jsonl');
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const first = new EventLog({ clock, file, redact: (s) => s.replace('s3cret', '[redacted]') });
  first.add('cert-renewed', 'info', 'Certificate renewed, token s3cret');
  first.add('plex-unreachable', 'error', 'PMS down');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  appendFileSync(file, '{"time":"2026-06-01T00:00:0'); // a write cut short by a crash
  const again = new EventLog({ clock, file });
  assert.deepEqual(again.list().map((e) => e.kind), ['cert-renewed', 'plex-unreachable']);
  assert.ok(!JSON.stringify(again.list()).includes('s3cret'), 'redacted before it reached the disk');
  // A long-running service: the file rotates, the newest events stay readable.
  const big = 'x'.repeat(2000);
  for (let i = 0; i < 400; i++) again.add(`e${i}`, 'info', big);
  assert.ok(existsSync(`${file}.1`));
  assert.ok(statSync(file).size < 600 * 1024);
  const third = new EventLog({ clock, file, capacity: 50 });
  assert.deepEqual(third.list().map((e) => e.kind).slice(-2), ['e398', 'e399']);
  assert.equal(third.list().length, 50);
});

test('a data directory that cannot be written keeps events in memory and says so once', async () => {
  const errors: unknown[] = [];
  const log = new EventLog({ clock: new ManualClock(), file: '/proc/portico-cannot-write/events.jsonl', onWriteError: (e) => errors.push(e) });
  log.add('a', 'info', 'one');
  log.add('b', 'info', 'two');
  assert.deepEqual(log.list().map((e) => e.kind), ['a', 'b']);
  assert.equal(errors.length, 1);
});
