import { test } from 'node:test';
import assert from 'node:assert/strict';
import type acme from 'acme-client';
import { challengeSolver } from '../../../main/core/certs/challenge-solver.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { DuckDns } from '../../../main/core/dns/duckdns.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { startDuckDns } from '../../stand-ins/duckdns.ts';

test('dns-01: the TXT record is published, then the propagation wait runs on the injected clock', async (t) => {
  const duck = await startDuckDns(['portico']);
  t.after(() => duck.stop());
  const clock = new ManualClock();
  const solver = challengeSolver({
    challenges: new ChallengeStore(), dns: new DuckDns({ kind: 'duckdns', token: duck.token, apiBase: duck.apiBase }, silentLogger),
    dnsPropagationMs: 30_000, clock, alpnCertificate: () => Promise.reject(new Error('no tls-alpn-01 here')),
  });
  const target = { type: 'dns-01' as const, identifier: 'plex.portico.duckdns.org', token: 'tok', keyAuthorization: 'txt-value', authz: {} as acme.Authorization };
  let done = false;
  const presented = solver.present(target).then((r) => { done = true; return r; });
  await waitFor('TXT published', () => duck.domains.get('portico')!.txt === 'txt-value');
  await waitFor('propagation wait armed', () => clock.pending().length === 1);
  assert.equal(clock.pending()[0]! - clock.now(), 30_000);
  await clock.advance(29_999);
  assert.equal(done, false, 'the CA is not told before the wait is over');
  await clock.advance(1);
  assert.deepEqual(await presented, { ok: true, value: undefined });
});
