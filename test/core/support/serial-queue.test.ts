import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialQueue } from '../../../main/core/support/serial-queue.ts';

/** A promise the test settles by hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

const ticks = async (n = 10) => { for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r)); };

test('jobs run one at a time, in the order queued, each caller getting its own result', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  const gates = [deferred(), deferred(), deferred()];
  const runs = gates.map((g, i) => q.run(async () => {
    log.push(`start ${i}`);
    await g.promise;
    log.push(`end ${i}`);
    return i * 10;
  }));
  await ticks();
  assert.deepEqual(log, ['start 0'], 'the second job waits for the first');
  // Finishing a later gate first changes nothing: job 1 has not started.
  gates[2]!.resolve();
  gates[1]!.resolve();
  await ticks();
  assert.deepEqual(log, ['start 0']);
  gates[0]!.resolve();
  assert.deepEqual(await Promise.all(runs), [0, 10, 20]);
  assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
});

test('a failing job rejects only its own caller; the next job still runs', async () => {
  const q = new SerialQueue();
  const failing = q.run(async () => { throw new Error('disk full'); });
  const throwingSync = q.run(() => { throw new Error('bad input'); });
  const next = q.run(() => 'ran');
  await assert.rejects(failing, /disk full/);
  await assert.rejects(throwingSync, /bad input/);
  assert.equal(await next, 'ran');
});

test('idle() waits for every job queued so far, failed ones included, and never rejects', async () => {
  const q = new SerialQueue();
  assert.equal(await q.idle(), undefined, 'an empty queue is idle at once');
  const gate = deferred();
  let done = false;
  const failing = q.run(async () => { await gate.promise; throw new Error('nope'); });
  failing.catch(() => {});
  q.run(() => { done = true; }).catch(() => {});
  let idle = false;
  const waiting = q.idle().then(() => { idle = true; });
  await ticks();
  assert.equal(idle, false, 'not idle while a job runs');
  gate.resolve();
  await waiting;
  assert.equal(done, true, 'idle came after the last job queued before it');
  // A job queued after idle() was asked for is not waited for.
  const first = deferred();
  q.run(() => first.promise).catch(() => {});
  const before = q.idle();
  q.run(() => new Promise<void>(() => {})).catch(() => {}); // never settles
  first.resolve();
  await before;
});
