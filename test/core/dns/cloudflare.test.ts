import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCloudflare } from '../../stand-ins/cloudflare.ts';
import { Cloudflare } from '../../../main/core/dns/cloudflare.ts';
import { createLogger, type LogRecord } from '../../../main/core/support/logger.ts';

test('Cloudflare provider against the API stand-in', async (t) => {
  const cf = await startCloudflare('example.test');
  t.after(() => cf.stop());
  const logs: LogRecord[] = [];
  const logger = createLogger({ level: 'debug', sink: (r) => logs.push(r) });
  const p = new Cloudflare({ kind: 'cloudflare', apiToken: cf.token, apiBase: cf.apiBase }, logger);

  await t.test('finds the zone from the name and adds/removes TXT values', async () => {
    assert.equal((await p.addTxt('_acme-challenge.plex.example.test', 'v1')).ok, true);
    assert.equal((await p.addTxt('_acme-challenge.plex.example.test', 'v2')).ok, true);
    assert.equal((await p.addTxt('_acme-challenge.plex.example.test', 'v2')).ok, true, 'adding an existing value is idempotent');
    assert.deepEqual(cf.records.filter((r) => r.type === 'TXT').map((r) => r.content).sort(), ['"v1"', '"v2"']);
    assert.ok(cf.requests.some((r) => r.path === '/client/v4/zones?name=plex.example.test'));
    assert.equal((await p.removeTxt('_acme-challenge.plex.example.test', 'v1')).ok, true);
    assert.deepEqual(cf.records.filter((r) => r.type === 'TXT').map((r) => r.content), ['"v2"']);
  });

  await t.test('replaces A records in place', async () => {
    assert.equal((await p.setAddresses('plex.example.test', 'A', ['192.0.2.1'])).ok, true);
    const id = cf.records.find((r) => r.type === 'A')!.id;
    assert.equal((await p.setAddresses('plex.example.test', 'A', ['198.51.100.2'])).ok, true);
    const a = cf.records.filter((r) => r.type === 'A');
    assert.deepEqual(a.map((r) => [r.id, r.content]), [[id, '198.51.100.2']]);
  });

  await t.test('a bad token is a non-retryable credentials error without the token in it', async () => {
    const bad = new Cloudflare({ kind: 'cloudflare', apiToken: 'wrong-token-123', apiBase: cf.apiBase }, logger);
    const r = await bad.addTxt('_acme-challenge.plex.example.test', 'x');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'dns-bad-credentials');
    assert.equal(r.error.retryable, false);
    assert.match(r.error.message, /9109: Invalid access token/);
    assert.ok(!JSON.stringify(r.error).includes('wrong-token-123'));
  });

  await t.test('a token pasted with a line break stays out of the error', async () => {
    const pasted = new Cloudflare({ kind: 'cloudflare', apiToken: 'pasted-token-456\nx', zoneId: 'z', apiBase: cf.apiBase }, logger);
    const r = await pasted.addTxt('_acme-challenge.plex.example.test', 'x');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.ok(!JSON.stringify(r.error).includes('pasted-token-456'));
  });

  await t.test('rate limiting (429) is retryable', async () => {
    cf.failNext(1);
    const r = await p.addTxt('_acme-challenge.plex.example.test', 'y');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.retryable, true);
  });

  await t.test('a zone found for one name is not used for a name in another zone', async () => {
    const before = cf.records.length;
    const r = await p.addTxt('_acme-challenge.plex.other.test', 'x');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'dns-zone-not-found');
    assert.equal(cf.records.length, before, 'nothing written into example.test');
  });

  await t.test('a name in no zone of the account is reported', async () => {
    const fresh = new Cloudflare({ kind: 'cloudflare', apiToken: cf.token, apiBase: cf.apiBase }, logger);
    const r = await fresh.addTxt('_acme-challenge.plex.other.test', 'x');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'dns-zone-not-found');
  });

  assert.ok(!JSON.stringify(logs).includes(cf.token));
});
