import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRST_WAIT_MS, FREE_FAILURES, LoginLimiter, MAX_WAIT_MS, waitWords } from '../../../main/core/ui/login-limiter.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';

const fail = (l: LoginLimiter, a: string) => {
  const r = l.begin(a);
  assert.ok('done' in r, `${a} may try`);
  r.done(false);
};

test('five wrong passwords are free, then the wait doubles with each failure up to 15 minutes; a right one clears it', async () => {
  const clock = new ManualClock();
  const l = new LoginLimiter(clock);
  for (let i = 0; i < FREE_FAILURES; i++) fail(l, '192.168.1.50');
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = l.begin('192.168.1.50');
    assert.ok('wait' in r);
    waits.push(r.wait);
    await clock.advance(r.wait);
    fail(l, '192.168.1.50');
  }
  assert.deepEqual(waits, [30_000, 60_000, 120_000, 240_000, 480_000, MAX_WAIT_MS, MAX_WAIT_MS, MAX_WAIT_MS]);
  assert.equal(waits[0], FIRST_WAIT_MS);
  await clock.advance(MAX_WAIT_MS);
  const right = l.begin('192.168.1.50');
  assert.ok('done' in right);
  right.done(true);
  for (let i = 0; i < FREE_FAILURES; i++) fail(l, '192.168.1.50');
  assert.ok('wait' in l.begin('192.168.1.50'), 'cleared, then five free again');
});

test('parallel guesses count from the start; other devices are not held up; an IPv6 device is one /64', () => {
  const l = new LoginLimiter(new ManualClock());
  const pending = Array.from({ length: FREE_FAILURES }, () => l.begin('10.0.0.9'));
  assert.ok(pending.every((p) => 'done' in p));
  assert.ok('wait' in l.begin('10.0.0.9'), 'a sixth in flight at once waits');
  assert.ok('done' in l.begin('10.0.0.10'));
  for (let i = 0; i < FREE_FAILURES; i++) fail(l, `fd00:1:2:3::${i + 1}`);
  assert.ok('wait' in l.begin('fd00:1:2:3:aaaa:bbbb:cccc:dddd'), 'another address in the same /64');
  assert.ok('done' in l.begin('fd00:1:2:4::1'));
  for (let i = 0; i < FREE_FAILURES; i++) fail(l, '::ffff:192.168.7.7');
  assert.ok('wait' in l.begin('192.168.7.7'), 'IPv4-mapped is the same device');
});

test('waits in words, rounded up', () => {
  assert.equal(waitWords(30_000), '30 seconds');
  assert.equal(waitWords(1_200), '2 seconds');
  assert.equal(waitWords(500), '1 second');
  assert.equal(waitWords(60_000), '1 minute');
  assert.equal(waitWords(61_000), '2 minutes');
  assert.equal(waitWords(MAX_WAIT_MS), '15 minutes');
});
