import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../../../main/core/support/emitter.ts';
import { createLogger, type LogRecord } from '../../../main/core/support/logger.ts';

test('every subscriber gets each value until it unsubscribes', () => {
  const e = new Emitter<number>('number');
  const a: number[] = [];
  const b: number[] = [];
  const offA = e.on((v) => a.push(v));
  e.on((v) => b.push(v));
  e.emit(1);
  offA();
  offA(); // twice is harmless
  e.emit(2);
  assert.deepEqual(a, [1]);
  assert.deepEqual(b, [1, 2]);
});

test('a throwing listener is logged and skipped: the others and the emitter go on', () => {
  const records: LogRecord[] = [];
  const e = new Emitter<string>('certificate event', createLogger({ sink: (r) => records.push(r) }));
  const seen: string[] = [];
  e.on(() => { throw new Error('listener bug'); });
  e.on((v) => seen.push(v));
  e.on(() => { throw 'not an Error'; });
  assert.doesNotThrow(() => e.emit('renewed'));
  assert.deepEqual(seen, ['renewed']);
  assert.deepEqual(records.map((r) => [r.level, r.msg, r.fields?.error]), [
    ['error', 'certificate event listener threw', 'listener bug'],
    ['error', 'certificate event listener threw', 'not an Error'],
  ]);
});

test('without a logger a throwing listener is still isolated', () => {
  const e = new Emitter<number>('number');
  let got = 0;
  e.on(() => { throw new Error('x'); });
  e.on((v) => { got = v; });
  assert.doesNotThrow(() => e.emit(7));
  assert.equal(got, 7);
});

test('subscribing or unsubscribing inside a listener takes effect from the next emit', () => {
  const e = new Emitter<number>('number');
  const seen: string[] = [];
  let offB: () => void = () => {};
  e.on((v) => {
    seen.push(`a${v}`);
    offB();
    if (v === 1) e.on((w) => seen.push(`c${w}`));
  });
  offB = e.on((v) => seen.push(`b${v}`));
  e.emit(1);
  e.emit(2);
  assert.deepEqual(seen, ['a1', 'b1', 'a2', 'c2']);
});
