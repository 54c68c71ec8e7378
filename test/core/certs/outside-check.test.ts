import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTlsServer } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPebble } from '../../helpers/pebble.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { Door } from '../../../main/core/proxy/door.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { AcmeIssuer } from '../../../main/core/certs/acme-issuer.ts';
import { OutsideCheck, type OutsideValidator } from '../../../main/core/certs/outside-check.ts';
import { parseConfig } from '../../../main/shared/config.ts';
import { firewallHint } from '../../../main/shared/firewall-hint.ts';

type T = { after(fn: () => unknown): void };
const HOST = 'plex.example.test';
const START = Date.parse('2026-12-01T10:00:00Z');

/**
 * A real door answering challenges from its store (as the service runs it), and pebble standing
 * in for the CA's staging directory, its validator dialling `ports` (what "the internet" reaches).
 */
async function rig(t: T, ports: (door: Door) => { tls: number; http: number }) {
  const challenges = new ChallengeStore();
  const door = new Door({
    bind: '127.0.0.1', httpsPorts: [0], httpPort: 0, publicHttpsPort: 443, routes: [{ host: HOST, upstream: 'http://127.0.0.1:9' }],
    passthrough: { host: '127.0.0.1', port: 9 }, challenges, logger: silentLogger,
  });
  await door.start();
  t.after(() => door.stop(100));
  const p = ports(door);
  const pebble = await startPebble({ tlsPort: p.tls, httpPort: p.http });
  t.after(() => pebble.stop());
  const issuer = new AcmeIssuer({ directoryUrl: pebble.directoryUrl, caPem: await readFile(pebble.apiCaPath, 'utf8'), email: null, eab: null, secrets: new MemorySecretStore(), challenges, dns: null, logger: silentLogger, pollMinMs: 50 });
  const calls: string[] = [];
  const validator: OutsideValidator = { validate: (d, c) => { calls.push(c); return issuer.validate(d, c); } };
  const dir = await tmpDir(t);
  const clock = new ManualClock(START);
  const make = () => new OutsideCheck({ validator, domain: HOST, publicHttpsPort: 443, checkPort80: true, caName: 'The test CA', firewallHint: firewallHint('linux', [8443]), cachePath: join(dir, 'outside-check.json'), clock, logger: silentLogger });
  return { door, calls, clock, make };
}

const doorPorts = (d: Door) => ({ tls: d.ports().https[0]!, http: d.ports().http! });

test('outside check: the CA reaches the door on 443 and 80', async (t) => {
  const r = await rig(t, doorPorts);
  const oc = r.make();
  const [c] = await oc.run();
  assert.equal(c!.ok, true, c!.detail);
  assert.equal(c!.area, 'outside');
  assert.equal(c!.at, '2026-12-01T10:00:00.000Z');
  assert.match(c!.detail, /The test CA reached https:\/\/plex\.example\.test on port 443 from the internet \(checked 2026-12-01 10:00 UTC\)/);
  assert.equal(oc.port80(), 'open');
  assert.deepEqual(r.calls, ['tls-alpn-01', 'http-01']);
});

test('outside check: 443 reached and 80 not means port 80 is blocked (nothing to do)', async (t) => {
  const closed = await freePort();
  const r = await rig(t, (d) => ({ tls: d.ports().https[0]!, http: closed }));
  const oc = r.make();
  const [c] = await oc.run();
  assert.equal(c!.ok, true, c!.detail);
  assert.equal(oc.port80(), 'blocked');
});

test('outside check: the CA cannot connect: an error with the fix, and port 80 is unknown', async (t) => {
  const closed = await freePort();
  const r = await rig(t, (d) => ({ tls: closed, http: d.ports().http! }));
  const [c] = await r.make().run();
  assert.equal(c!.ok, false);
  assert.equal(c!.severity, 'error');
  assert.match(c!.detail, /could not reach https:\/\/plex\.example\.test on port 443 from the internet .*could not connect/);
  assert.match(c!.fix ?? '', /Forward public port 443/);
  assert.match(c!.fix ?? '', /A firewall on this computer may be blocking TCP port 8443\. With ufw: sudo ufw allow 8443\/tcp/);
  assert.deepEqual(r.calls, ['tls-alpn-01'], 'port 80 says nothing while 443 fails');
});

test('outside check from the config: when the CA cannot connect, the fix names this computer\'s firewall with the door\'s real ports', async (t) => {
  const closed = await freePort();
  const pebble = await startPebble({ tlsPort: closed, httpPort: closed });
  t.after(() => pebble.stop());
  const dir = await tmpDir(t);
  const doorPorts = [await freePort(), await freePort()];
  const parsed = parseConfig({
    domains: [HOST], door: { bind: '127.0.0.1', httpsPorts: doorPorts, httpPort: null },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath },
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.error));
  const deps = { secrets: new MemorySecretStore(), challenges: new ChallengeStore(), clock: new ManualClock(START), logger: silentLogger };
  for (const platform of ['linux', 'win32']) {
    const oc = OutsideCheck.fromConfig({ ...parsed.value, dataDir: join(dir, platform) }, { ...deps, platform });
    assert.ok(oc);
    const [c] = await oc.run();
    assert.equal(c!.ok, false, c!.detail);
    assert.match(c!.detail, /could not connect/);
    assert.ok(c!.fix?.includes(firewallHint(platform, doorPorts)), `${platform}: ${c!.fix}`);
  }
});

test('outside check: the router forwards 443 to another machine', async (t) => {
  // Another TLS server (a NAS, say) at the forwarded port: it answers, but not with our challenge.
  const dir = await tmpDir(t);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=nas.local'], { cwd: dir, stdio: 'ignore' });
  const other = createTlsServer({ key: await readFile(join(dir, 'k.pem')), cert: await readFile(join(dir, 'c.pem')), ALPNProtocols: ['acme-tls/1', 'http/1.1'] }, (s) => s.end());
  await new Promise<void>((res) => other.listen(0, '127.0.0.1', res));
  t.after(() => new Promise((res) => other.close(res)));
  const r = await rig(t, (d) => ({ tls: (other.address() as { port: number }).port, http: d.ports().http! }));
  const [c] = await r.make().run();
  assert.equal(c!.ok, false);
  assert.match(c!.detail, /wrong answer/);
  assert.match(c!.fix ?? '', /router forwards the public port to this computer/);
  assert.doesNotMatch(c!.fix ?? '', /firewall/i, 'something answered: the firewall let it through');
});

test('outside check: the answer is kept on disk and the CA is asked again only after hours or when forced', async (t) => {
  const r = await rig(t, doorPorts);
  await r.make().run();
  assert.equal(r.calls.length, 2);
  // A restart reads the answer back instead of asking again.
  const again = r.make();
  assert.deepEqual(again.checks().map((c) => c.ok), [null], 'nothing known before the first run loads the file');
  const [kept] = await again.run();
  assert.equal(kept!.ok, true);
  assert.equal(kept!.at, '2026-12-01T10:00:00.000Z');
  assert.equal(r.calls.length, 2);
  r.clock.advance(3 * 3600_000);
  await again.run();
  assert.equal(r.calls.length, 2, 'three hours later the cached answer stands');
  await again.run({ force: true });
  assert.equal(r.calls.length, 4, 'the user asked');
  r.clock.advance(5 * 3600_000);
  const [later] = await again.run();
  assert.equal(r.calls.length, 6, 'after the interval the CA is asked again');
  assert.equal(later!.at, new Date(START + 8 * 3600_000).toISOString());
});

test('outside check: with a public port other than 443 it cannot run, and says how to test by hand', async (t) => {
  const dir = await tmpDir(t);
  const never: OutsideValidator = { validate: () => { throw new Error('must not be asked'); } };
  const oc = new OutsideCheck({ validator: never, domain: HOST, publicHttpsPort: 8443, checkPort80: true, caName: 'x', cachePath: join(dir, 'o.json'), clock: new ManualClock(START), logger: silentLogger });
  const [c] = await oc.run();
  assert.equal(c!.notApplicable, true);
  assert.match(c!.detail, /only connect to port 443.*https:\/\/plex\.example\.test:8443/);
});

test('outside check and a certificate order for the same name take turns at the door (one tls-alpn-01 answer per name)', async (t) => {
  const r = await rig(t, doorPorts);
  // The same name validated twice at once, as an order and the scheduled outside check would.
  const both = await Promise.all([r.make().run({ force: true }), r.make().run({ force: true })]);
  assert.deepEqual(both.map(([c]) => c!.ok), [true, true], both.map(([c]) => c!.detail).join(' | '));
});
