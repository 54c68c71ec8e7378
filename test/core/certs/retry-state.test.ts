import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { RetryState } from '../../../main/core/certs/retry-state.ts';
import { RETRY_SCHEDULE_MS } from '../../../main/core/certs/renewal-policy.ts';

const NOW = Date.UTC(2026, 5, 1);

test('failures follow the schedule, a CA\'s Retry-After wins when later, and survive a restart', async (t) => {
  const file = join(await tmpDir(t), 'state.json');
  const a = new RetryState({ file, fingerprint: 'cfg-1', logger: silentLogger });
  a.failed({ code: 'acme-unreachable', retryable: true, message: 'down' }, NOW);
  assert.equal(a.nextAttemptAt! - NOW, RETRY_SCHEDULE_MS[0]);
  a.failed({ code: 'acme-rate-limited', retryable: true, message: 'slow down', retryAfterMs: 3 * 3600_000, problem: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many' } }, NOW);
  assert.equal(a.nextAttemptAt! - NOW, 3 * 3600_000);
  assert.equal(a.lastError?.problem?.type, 'urn:ietf:params:acme:error:rateLimited');
  await a.save();
  const b = new RetryState({ file, fingerprint: 'cfg-1', logger: silentLogger });
  await b.load();
  assert.equal(b.failures, 2);
  assert.equal(b.nextAttemptAt, a.nextAttemptAt);
  assert.equal(b.lastError?.code, 'acme-rate-limited');
  assert.equal(b.stoppedBy, null);
});

test('an error retrying cannot fix stops retries, also after a restart; a changed config starts clean', async (t) => {
  const file = join(await tmpDir(t), 'state.json');
  const a = new RetryState({ file, fingerprint: 'cfg-1', logger: silentLogger });
  a.failed({ code: 'acme-account-refused', retryable: false, message: 'refused', fix: 'check acme.eab' }, NOW);
  assert.equal(a.nextAttemptAt, null);
  await a.save();
  const same = new RetryState({ file, fingerprint: 'cfg-1', logger: silentLogger });
  await same.load();
  assert.deepEqual(same.stoppedBy, { code: 'acme-account-refused', message: 'refused', retryable: false, fix: 'check acme.eab' });
  const other = new RetryState({ file, fingerprint: 'cfg-2', logger: silentLogger });
  await other.load();
  assert.equal(other.stoppedBy, null);
  assert.equal(other.failures, 0);
  same.succeeded();
  assert.deepEqual([same.failures, same.nextAttemptAt, same.lastError, same.stoppedBy], [0, null, undefined, null]);
});

test('an unreadable state file starts clean', async (t) => {
  const file = join(await tmpDir(t), 'state.json');
  await writeFile(file, '{half');
  const s = new RetryState({ file, fingerprint: 'cfg-1', logger: silentLogger });
  await s.load();
  assert.equal(s.failures, 0);
});
