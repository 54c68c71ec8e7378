import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBind, type Bind } from '../../helpers/bind.ts';
import { Rfc2136 } from '../../../main/core/dns/rfc2136.ts';
import { createLogger, type LogRecord } from '../../../main/core/support/logger.ts';

test('RFC 2136 with TSIG against a real BIND 9', async (t) => {
  const bind: Bind = await startBind();
  t.after(() => bind.stop());
  const logs: LogRecord[] = [];
  const logger = createLogger({ level: 'debug', sink: (r) => logs.push(r) });
  const cfg = { kind: 'rfc2136' as const, server: bind.host, port: bind.port, zone: bind.zone, keyName: bind.keyName, keyAlgorithm: bind.keyAlgorithm, keySecret: bind.keySecret };
  const p = new Rfc2136(cfg, logger);

  await t.test('adds and removes TXT values, keeping the others', async () => {
    assert.deepEqual(await p.addTxt('_acme-challenge.app.example.test', 'one'), { ok: true, value: undefined });
    assert.equal((await p.addTxt('_acme-challenge.app.example.test', 'two')).ok, true);
    assert.deepEqual(bind.query('_acme-challenge.app.example.test', 'TXT').sort(), ['one', 'two']);
    assert.equal((await p.removeTxt('_acme-challenge.app.example.test', 'one')).ok, true);
    assert.deepEqual(bind.query('_acme-challenge.app.example.test', 'TXT'), ['two']);
  });

  await t.test('replaces A and AAAA records (dynamic DNS)', async () => {
    assert.equal((await p.setAddresses('home.example.test', 'A', ['192.0.2.1', '192.0.2.2'])).ok, true);
    assert.deepEqual(bind.query('home.example.test', 'A').sort(), ['192.0.2.1', '192.0.2.2']);
    assert.equal((await p.setAddresses('home.example.test', 'A', ['198.51.100.7'])).ok, true);
    assert.deepEqual(bind.query('home.example.test', 'A'), ['198.51.100.7']);
    assert.equal((await p.setAddresses('home.example.test', 'AAAA', ['2001:db8::1'])).ok, true);
    assert.deepEqual(bind.query('home.example.test', 'AAAA'), ['2001:db8::1']);
  });

  await t.test('the same over TCP', async () => {
    const tcp = new Rfc2136(cfg, logger, { transport: 'tcp' });
    assert.equal((await tcp.addTxt('_acme-challenge.tcp.example.test', 'over-tcp')).ok, true);
    assert.deepEqual(bind.query('_acme-challenge.tcp.example.test', 'TXT'), ['over-tcp']);
    assert.equal((await tcp.removeTxt('_acme-challenge.tcp.example.test', 'over-tcp')).ok, true);
    assert.deepEqual(bind.query('_acme-challenge.tcp.example.test', 'TXT'), []);
  });

  await t.test('a wrong secret is refused, non-retryable, and the secret never appears', async () => {
    const wrong = new Rfc2136({ ...cfg, keySecret: Buffer.alloc(32, 7).toString('base64') }, logger);
    const r = await wrong.addTxt('_acme-challenge.app.example.test', 'evil');
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.code, 'dns-tsig-rejected');
    assert.equal(r.error.retryable, false);
    assert.ok(!bind.query('_acme-challenge.app.example.test', 'TXT').includes('evil'));
    assert.ok(!JSON.stringify(r.error).includes(cfg.keySecret));
    assert.ok(!JSON.stringify(logs).includes(cfg.keySecret));
  });

  await t.test('a clock far off is reported as BADTIME', async () => {
    const skewed = new Rfc2136(cfg, logger, { nowSeconds: () => Math.floor(Date.now() / 1000) - 3600 });
    const r = await skewed.addTxt('_acme-challenge.app.example.test', 'late');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'dns-tsig-badtime');
  });

  await t.test('a name outside the zone is refused before sending', async () => {
    const r = await p.update([{ op: 'add', name: 'outside.other.test', type: 'TXT', ttl: 60, value: 'x' }]);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.code, 'dns-not-in-zone');
  });

  await t.test('no server on the port -> retryable error', async () => {
    const gone = new Rfc2136({ ...cfg, port: 1 }, logger);
    const r = await gone.addTxt('_acme-challenge.app.example.test', 'x');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.retryable, true);
  });
});
