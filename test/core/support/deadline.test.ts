import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadline } from '../../../main/core/support/deadline.ts';

test('Deadline: fires once after ms; re-arming restarts the count; disarm and dispose stop it', async () => {
  let fired = 0;
  const d = new Deadline(60, () => fired++);
  d.arm();
  await sleep(30);
  d.arm(); // restarts: not due at 60 ms from the first arm
  await sleep(45);
  assert.equal(fired, 0, 're-armed 45 ms ago');
  await sleep(40);
  assert.equal(fired, 1);
  assert.equal(d.isArmed, false);
  d.arm();
  d.disarm();
  await sleep(90);
  assert.equal(fired, 1, 'disarmed: the pending timer finds nothing to do');
  d.arm();
  await sleep(90);
  assert.equal(fired, 2, 'armed again after firing');
  d.arm();
  d.dispose();
  d.arm(); // a disposed deadline can be armed anew (a fresh timer)
  d.dispose();
  await sleep(90);
  assert.equal(fired, 2);
});
