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
