import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay, lifetimeWindow, pickRenewalTime, isEmergency, RETRY_CEILING_MS } from '../../../main/core/certs/renewal-policy.ts';

const M = 60_000, H = 60 * M;

test('retry schedule: 1m, 2m, 2m, 5m, 10m x3, 20m x4, 30m x6, 1h x3, 2h x2, 3h x2, then every 6h', () => {
  const want = [1 * M, 2 * M, 2 * M, 5 * M, ...Array(3).fill(10 * M), ...Array(4).fill(20 * M), ...Array(6).fill(30 * M), ...Array(3).fill(H), 2 * H, 2 * H, 3 * H, 3 * H, 6 * H, 6 * H];
  assert.deepEqual(want.map((_, i) => retryDelay(i + 1)), want);
  assert.equal(retryDelay(1000), RETRY_CEILING_MS);
  assert.ok(want.every((d) => d >= M), 'never a tight loop');
});

test('renewal window: opens with a third of the lifetime left; random point inside', () => {
  const notBefore = Date.UTC(2026, 0, 1), notAfter = notBefore + 90 * 24 * H;
  const w = lifetimeWindow({ notBefore, notAfter });
  assert.equal(w.start, notAfter - 30 * 24 * H);
  assert.ok(w.end > w.start && w.end < notAfter);
  assert.equal(pickRenewalTime(w, () => 0), w.start);
  assert.equal(pickRenewalTime(w, () => 1), w.end);
  const mid = pickRenewalTime(w, () => 0.5);
  assert.ok(mid > w.start && mid < w.end);
  // 6-day certificates work the same way.
  const short = lifetimeWindow({ notBefore, notAfter: notBefore + 6 * 24 * H });
  assert.equal(short.start, notBefore + 4 * 24 * H);
});

test('emergency: a tenth of the lifetime left', () => {
  const c = { notBefore: 0, notAfter: 100 * H };
  assert.equal(isEmergency(c, 89 * H), false);
  assert.equal(isEmergency(c, 90 * H), true);
});
