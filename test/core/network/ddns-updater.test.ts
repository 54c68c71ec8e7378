/**
 * Dynamic DNS against a real BIND 9 through RFC 2136 (TSIG), with the public address coming
 * from the STUN stand-in: each address change produces exactly one update.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startBind } from '../../helpers/bind.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { startStunStandIn } from '../../stand-ins/stun.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { Rfc2136 } from '../../../main/core/dns/rfc2136.ts';
import { DdnsUpdater } from '../../../main/core/network/ddns-updater.ts';
import { StunPublicIp } from '../../../main/core/network/stun-public-ip.ts';
import type { DdnsStatus } from '../../../main/shared/status/router.ts';
import { parseConfig } from '../../../main/shared/config.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

/** A real bind9 zone with RFC 2136 updates, a STUN stand-in, and the name to publish in the zone. */
async function bindAndStun(t: TestContext) {
  const bind = await startBind();
  t.after(() => bind.stop());
  const stun = await startStunStandIn();
  t.after(() => stun.close());
  const dns = new Rfc2136({ kind: 'rfc2136', server: bind.host, port: bind.port, zone: bind.zone, keyName: bind.keyName, keyAlgorithm: bind.keyAlgorithm, keySecret: bind.keySecret }, silentLogger);
  return { bind, stun, name: `plex.${bind.zone}`, dns };
}

test('an address change triggers exactly one RFC 2136 update; changes are rate-limited', async (t) => {
  const { bind, stun, name, dns } = await bindAndStun(t);
  const sent: string[] = [];
  const provider = { setAddresses: (n: string, type: 'A' | 'AAAA', v: string[]) => { sent.push(`${n} ${type} ${v.join(',')}`); return dns.setAddresses(n, type, v); } };
  const stunIp = new StunPublicIp(`127.0.0.1:${stun.port}`, { waitsMs: [300, 600] });
  const clock = new ManualClock();
  const dataDir = await tmpDir(t);
  const opts = { names: [name], provider, publicAddress: () => stunIp.lookup(), clock, logger: silentLogger, checkEveryMs: 60_000, minIntervalMs: 600_000, dataDir };
  const u = new DdnsUpdater(opts);
  t.after(() => u.stop());
  const events: DdnsStatus[] = [];
  u.onDidChange((s) => events.push(s));

  stun.behaviour = { kind: 'answer', reportAddress: '198.51.100.7' };
  let s = await u.start();
  assert.equal(s.state, 'updated');
  assert.deepEqual(bind.query(name, 'A'), ['198.51.100.7']);
  assert.deepEqual(sent, [`${name} A 198.51.100.7`]);
  assert.ok(events.some((e) => e.state === 'updated' && e.address === '198.51.100.7'), 'status event');

  // Same address on the next checks: nothing is sent.
  await u.check();
  await u.check();
  assert.equal(sent.length, 1);

  // The address changes after the rate-limit window: exactly one more update.
  await clock.advance(600_000);
  stun.behaviour = { kind: 'answer', reportAddress: '198.51.100.8' };
  s = await u.check();
  await u.check();
  assert.equal(s.address, '198.51.100.8');
  assert.deepEqual(sent, [`${name} A 198.51.100.7`, `${name} A 198.51.100.8`]);
  assert.deepEqual(bind.query(name, 'A'), ['198.51.100.8']);

  // A change inside the window waits for the window's end, then is written once.
  stun.behaviour = { kind: 'answer', reportAddress: '198.51.100.9' };
  await clock.advance(60_000); // the periodic check fires (inside the window): no update
  await u.check();
  assert.equal(sent.length, 2);
  assert.deepEqual(bind.query(name, 'A'), ['198.51.100.8']);
  const due = clock.pending()[0]! - clock.now();
  assert.ok(due > 0 && due <= 600_000 - 60_000, `a check is scheduled for the end of the window (in ${due} ms)`);
  await clock.advance(due);
  s = await u.check(); // waits for the timer's check (serialized), then finds nothing new
  assert.equal(s.address, '198.51.100.9');
  assert.equal(sent.length, 3);
  assert.deepEqual(bind.query(name, 'A'), ['198.51.100.9']);

  // A restart (new updater, same dataDir) knows what DNS holds: no rewrite.
  u.stop();
  const again = new DdnsUpdater(opts);
  t.after(() => again.stop());
  assert.equal((await again.start()).address, '198.51.100.9');
  assert.equal(sent.length, 3);
});

test('a refused update is reported with what failed and the fix, and DNS is left unchanged', async (t) => {
  const bind = await startBind();
  t.after(() => bind.stop());
  const dns = new Rfc2136({ kind: 'rfc2136', server: bind.host, port: bind.port, zone: bind.zone, keyName: bind.keyName, keyAlgorithm: bind.keyAlgorithm, keySecret: Buffer.alloc(32, 1).toString('base64') }, silentLogger);
  const u = new DdnsUpdater({ names: [`plex.${bind.zone}`], provider: dns, publicAddress: async () => '198.51.100.20', clock: new ManualClock(), logger: silentLogger });
  const s = await u.check();
  assert.equal(s.state, 'error');
  assert.match(s.error!, /198\.51\.100\.20.*TSIG.*keySecret/);
  assert.deepEqual(bind.query(`plex.${bind.zone}`, 'A'), []);
});

test('a provider that throws (instead of returning a Result) is reported and the checks go on', async () => {
  const clock = new ManualClock();
  let calls = 0;
  const provider = { setAddresses: async () => { calls++; if (calls === 1) throw new Error('socket hang up'); return { ok: true as const, value: undefined }; } };
  const u = new DdnsUpdater({ names: ['plex.example.test'], provider, publicAddress: async () => '198.51.100.20', clock, logger: silentLogger, checkEveryMs: 60_000, minIntervalMs: 0 });
  const s = await u.start();
  assert.equal(s.state, 'error');
  assert.match(s.error ?? '', /socket hang up.*tries again/);
  await clock.advance(60_000);
  assert.equal(calls, 2, 'the timer was re-armed after the failure');
  assert.equal(u.getStatus().state, 'updated');
  u.stop();
});

test('fromConfig: dynamic DNS only with dns.ddns on and a domain (the config insists on a provider); the address comes from the reachability rule', async () => {
  const clock = new ManualClock();
  const provider = { kind: 'duckdns', token: 'duck-token-fromconfig' };
  const from = (doc: object) => {
    const r = parseConfig(doc, { requireDomains: false });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
    let asked = 0;
    const u = DdnsUpdater.fromConfig({ ...r.value, dataDir: '/nonexistent' }, { reachability: { requirePublicAddress: async () => { asked++; throw new Error('offline'); } }, clock, logger: silentLogger });
    return { u, asked: () => asked };
  };
  assert.equal(from({ domains: ['a.duckdns.org'], dns: { provider } }).u, null, 'ddns off');
  assert.equal(from({ domains: [], dns: { ddns: true, provider } }).u, null, 'no domain yet');
  const on = from({ domains: ['a.duckdns.org'], dns: { ddns: true, provider } });
  assert.ok(on.u);
  const s = await on.u.check();
  assert.equal(on.asked(), 1);
  assert.equal(s.state, 'error');
  assert.match(s.error ?? '', /could not learn the public address: offline/);
});

test('a private or CGNAT address is never published: dynamic DNS holds back and says why, then writes the public one', async (t) => {
  const { bind, stun, name, dns } = await bindAndStun(t);
  const stunIp = new StunPublicIp(`127.0.0.1:${stun.port}`, { waitsMs: [300, 600] });
  const u = new DdnsUpdater({ names: [name], provider: dns, publicAddress: () => stunIp.lookup(), clock: new ManualClock(), logger: silentLogger, minIntervalMs: 0 });
  t.after(() => u.stop());
  const seen: DdnsStatus[] = [];
  u.onDidChange((s) => seen.push(s));

  for (const [addr, why] of [['192.168.1.20', /private address.*double NAT/], ['100.72.9.1', /carrier-grade NAT/], ['127.0.0.1', /not an address the internet can reach/]] as const) {
    stun.behaviour = { kind: 'answer', reportAddress: addr };
    const s = await u.check();
    assert.equal(s.state, 'held', addr);
    assert.match(s.error ?? '', new RegExp(`did not write ${addr.replace(/\./g, '\\.')}`));
    assert.match(s.error ?? '', why);
    assert.deepEqual(bind.query(name, 'A'), [], `${addr} is not published`);
  }
  assert.ok(seen.some((s) => s.state === 'held'), 'the hold is announced');

  stun.behaviour = { kind: 'answer', reportAddress: '198.51.100.30' };
  const s = await u.check();
  assert.equal(s.state, 'updated');
  assert.equal(s.error, undefined);
  assert.deepEqual(bind.query(name, 'A'), ['198.51.100.30']);
});
