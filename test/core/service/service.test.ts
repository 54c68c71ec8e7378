/**
 * The composition root with the real pieces: a real Door on loopback, pebble as the CA, the PMS
 * stand-in, and a TLS upstream playing PMS's own TLS port. Time for the background poll is a
 * ManualClock, so "PMS went down" is noticed without anyone calling the API.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Service } from '../../../main/core/service/service.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { DataDir } from '../../../main/core/support/data-dir.ts';
import { discoverGateway, localAddressToward } from '../../../main/core/network/discover-gateway.ts';
import type { AppStatus } from '../../../main/shared/status.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { startPebble } from '../../helpers/pebble.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { PmsStandIn } from '../../stand-ins/pms.ts';
import { startDuckDns } from '../../stand-ins/duckdns.ts';
import { startWhatIsMyIpStandIn } from '../../stand-ins/whatismyip.ts';
import { startStunStandIn } from '../../stand-ins/stun.ts';
import { startPublicDns } from '../../helpers/public-dns.ts';
import { RETRY_SCHEDULE_MS } from '../../../main/core/certs/renewal-policy.ts';
import { port, tlsTo } from '../proxy/door-fixtures.ts';
import { serviceWorld } from './service-world.ts';

const TOKEN = 'owner-token-service-aaaa';
const DOMAIN = 'plex.service.test';

const world = (t: TestContext) => serviceWorld(t, TOKEN);

async function startService(t: TestContext, dir: string, doc: object, clock = new ManualClock(), more: { beginAtStart?: boolean } = {}) {
  const configPath = join(dir, 'portico.json');
  // Tests never ask the internet for the public address: lookups off unless a test names its stand-in.
  await writeFile(configPath, JSON.stringify({ publicIp: { lookup: false }, ...doc }));
  const opened = await Service.open({ configPath, dataDir: dir, secrets: new MemorySecretStore(), clock, logger: silentLogger, ...more });
  assert.ok(opened.ok, JSON.stringify(!opened.ok && opened.error));
  const svc = opened.value;
  t.after(() => svc.stop(0));
  await svc.start();
  return { svc, clock };
}

const subject = async (p: number, servername: string, ca?: string) => {
  const s = await tlsTo(p, { servername, ...(ca ? { ca } : {}) });
  const c = s.getPeerX509Certificate()!;
  s.destroy();
  return { subject: c.subject, issuer: c.issuer };
};

test('setup pending: no domain, door passes only plex.direct through and refuses other names; a domain saved through the API is routed with a placeholder, then gets a pebble certificate — no restart', async (t) => {
  const w = await world(t);
  const pebble = await startPebble({ httpPort: w.http, tlsPort: w.https });
  t.after(() => pebble.stop());
  const { svc } = await startService(t, w.dir, {
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: w.http },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01' },
    router: { mode: 'off' },
  });
  const pending = svc.getStatus();
  for (const k of ['door', 'certificates', 'plex', 'router', 'health'] as const) assert.ok(k in pending, `status has ${k}`);
  assert.deepEqual(pending.domains, []);
  assert.equal(pending.door.state, 'running');
  assert.deepEqual(pending.door.routes, []);
  assert.deepEqual(pending.certificates, [], 'no certificate is ordered before a domain is chosen');
  assert.match(pending.health.reason, /[Ss]etup/);
  assert.match((await subject(w.https, 'x.abc123.plex.direct')).subject, /plex\.direct/, 'plex.direct: passthrough to PMS\'s own TLS');
  // With no domain yet, a name the door does not serve is still a stranger: never passed to PMS as local.
  await assert.rejects(subject(w.https, DOMAIN), /unrecognized name|alert number 112/, 'the domain-to-be is refused until it is saved');
  await assert.rejects(subject(w.https, ''), /unrecognized name|alert number 112/, 'no SNI is refused');
  assert.equal(pending.door.passthrough.names, '*.plex.direct', 'status says what passes through');
  const redirect = await new Promise<number | undefined>((resolve, reject) => {
    request({ host: '127.0.0.1', port: w.http, path: '/', headers: { host: DOMAIN } }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject).end();
  });
  assert.equal(redirect, 301, 'the HTTP door answers');
  const renew = await svc.handlers['cert:renew']({ force: true });
  assert.ok(!renew.ok && renew.error.code === 'setup-pending' && renew.error.fix, 'certificates say to choose a domain first');
  const plexPending = await svc.handlers['plex:apply']({ manualPort: false, customCertificate: true });
  assert.ok(!plexPending.ok, JSON.stringify(plexPending));
  assert.equal(plexPending.error.code, 'setup-pending', 'not relabelled as a missing certificate');
  assert.match(plexPending.error.fix ?? '', /Domain step/);

  const saved = await svc.handlers['config:update']({ domains: [DOMAIN], acme: { email: 'owner@example.com' } });
  assert.ok(saved.ok, JSON.stringify(saved));
  // Applied before config:update answers: the wizard's next call (the DNS check) meets the new managers.
  const routed = svc.getStatus().door.routes.find((r) => r.host === DOMAIN);
  assert.equal(routed?.certificate, 'placeholder');
  assert.match((await subject(w.https, DOMAIN)).subject, /placeholder/i);
  assert.deepEqual(svc.getStatus().certificates.map((c) => [c.domains, c.state]), [[[DOMAIN], 'none']]);
  const noCert = await svc.handlers['plex:plan']({ manualPort: false, customCertificate: true });
  assert.ok(!noCert.ok, JSON.stringify(noCert));
  assert.equal(noCert.error.code, 'plex-certificate-missing', 'a domain but no certificate yet: get the certificate first');
  assert.match(noCert.error.fix ?? '', /certificate/i);

  const issued = await svc.handlers['cert:issue']({ staging: false });
  assert.ok(issued.ok, JSON.stringify(issued));
  const real = await subject(w.https, DOMAIN, pebble.rootPem);
  assert.match(real.issuer, /Pebble/i);
  assert.equal(svc.getStatus().door.routes.find((r) => r.host === DOMAIN)?.certificate, 'real');
  assert.ok(svc.events.list().some((e) => e.kind === 'cert-obtained'), 'CertManager events reach the event log');
  const withCert = await svc.handlers['plex:plan']({ manualPort: false, customCertificate: true });
  assert.ok(withCert.ok, JSON.stringify(withCert));
  const path = withCert.value.find((c) => c.id === 'customCertificatePath');
  assert.match(path?.after ?? '', /\.p12$/, 'the PKCS#12 export goes to PMS through PlexManager\'s option');
  assert.equal(withCert.value.find((c) => c.id === 'customCertificateKey')?.after, '(hidden)');
});

test('a domain changed after setup is ordered only once its DNS points here: the certificate card says what to fix, with the address, and the status push follows the order to its end', async (t) => {
  const w = await world(t);
  const PUBLIC = '203.0.113.61';
  const NEW = 'tv.service.test';
  const pebble = await startPebble({ httpPort: w.http, tlsPort: w.https });
  t.after(() => pebble.stop());
  const stun = await startStunStandIn();
  t.after(() => stun.close());
  stun.behaviour = { kind: 'answer', reportAddress: PUBLIC };
  // "Public DNS" answers every name with this network's public address unless told otherwise.
  const publicDns = await startPublicDns(PUBLIC);
  t.after(() => publicDns.stop());
  const clock = new ManualClock(Date.now());
  const { svc } = await startService(t, w.dir, {
    domains: [DOMAIN],
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: w.http },
    // No token: the checks that run once setup is done then never ask plex.tv (outside loopback).
    plex: { url: w.pms.url, tlsPort: port(w.plexTls) },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01' },
    router: { mode: 'off' },
    publicIp: { stunServer: `127.0.0.1:${stun.port}` },
    dns: { resolver: publicDns.resolver },
  }, clock, { beginAtStart: true });
  const pushed: AppStatus[] = [];
  svc.onDidChangeStatus((s) => pushed.push(s));
  const certOf = (s: AppStatus | undefined, host: string) => s?.certificates.find((c) => c.domains.includes(host));
  await clock.advance(0);
  await waitFor('the first certificate', () => certOf(svc.getStatus(), DOMAIN)?.state === 'valid', 30_000);

  // The new name still points at another address when it is saved.
  await publicDns.setA(NEW, ['198.51.100.4']);
  const saved = await svc.handlers['config:update']({ domains: [NEW] });
  assert.ok(saved.ok, JSON.stringify(saved));
  await clock.advance(0);
  await waitFor('the held-back order', () => certOf(svc.getStatus(), NEW)?.lastError, 15_000);
  const held = certOf(svc.getStatus(), NEW)!;
  assert.equal(held.lastError?.code, 'dns-not-ready', JSON.stringify(held.lastError));
  assert.equal(held.state, 'failed');
  assert.match(held.lastError?.message ?? '', /tv\.service\.test points to 198\.51\.100\.4, but this network's public address is 203\.0\.113\.61/);
  assert.match(held.lastError?.fix ?? '', /A record of tv\.service\.test to 203\.0\.113\.61/);
  assert.doesNotMatch(held.lastError?.message ?? '', /domains\[|dns\.resolver/, 'plain words, no config keys');
  assert.equal(certOf(pushed.at(-1), NEW)?.lastError?.code, 'dns-not-ready', 'the dashboard was told');
  const noted = svc.events.list().find((e) => e.kind === 'cert-failed');
  assert.match(noted?.message ?? '', /^Certificate for tv\.service\.test not requested yet: /);

  // The record is fixed: the next scheduled try orders it, and the last push says so (no reload needed).
  await publicDns.clearA(NEW);
  await clock.advance(RETRY_SCHEDULE_MS[0]!);
  await waitFor('the new certificate', () => certOf(svc.getStatus(), NEW)?.state === 'valid', 30_000);
  await waitFor('the push that says so', () => certOf(pushed.at(-1), NEW)?.state === 'valid', 5000);
  assert.match((await subject(w.https, NEW, pebble.rootPem)).issuer, /Pebble/i);
});

test('the background poll notices PMS going down and coming back, on the injected clock', async (t) => {
  const w = await world(t);
  const { svc, clock } = await startService(t, w.dir, {
    domains: [DOMAIN],
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: null },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    router: { mode: 'off' },
  });
  const seen: AppStatus[] = [];
  svc.onDidChangeStatus((s) => seen.push(s));
  await waitFor('PMS found at start', () => svc.getStatus().plex.state !== 'unknown', 5000);
  assert.notEqual(svc.getStatus().plex.state, 'unreachable');
  assert.equal(svc.getStatus().demo, false);
  assert.match((await subject(w.https, DOMAIN)).subject, /placeholder/i, 'placeholder until a real certificate');

  const pmsPort = w.pms.port;
  await w.pms.stop();
  await clock.advance(59_000);
  assert.notEqual(svc.getStatus().plex.state, 'unreachable', 'nothing polls before the interval');
  await clock.advance(1_000);
  await waitFor('PMS down noticed', () => svc.getStatus().plex.state === 'unreachable', 5000);
  assert.equal(svc.getStatus().health.state, 'error');
  assert.ok(seen.some((s) => s.plex.state === 'unreachable'), 'listeners were told');

  const back = new PmsStandIn({ supportDir: join(w.dir, 'pms'), ownerToken: TOKEN });
  await back.start(pmsPort);
  t.after(() => back.stop());
  await clock.advance(60_000);
  await waitFor('PMS back noticed', () => svc.getStatus().plex.state !== 'unreachable', 5000);
});

test('dynamic DNS runs when dns.ddns is on with a provider: the public address is written and shown in the status', async (t) => {
  const w = await world(t);
  const duck = await startDuckDns(['portico']);
  t.after(() => duck.stop());
  const wim = await startWhatIsMyIpStandIn();
  t.after(() => wim.close());
  wim.behaviour = { kind: 'answer', reportAddress: '203.0.113.7' };
  const { svc, clock } = await startService(t, w.dir, {
    domains: ['portico.duckdns.org'],
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: null },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    dns: { ddns: true, provider: { kind: 'duckdns', token: duck.token, apiBase: duck.apiBase } },
    publicIp: { httpEndpoints: [wim.url] },
    router: { mode: 'off' },
  });
  const first = await waitFor('first update', () => (svc.getStatus().router.ddns?.state === 'updated' ? svc.getStatus() : null), 5000);
  assert.equal(first.router.ddns?.address, '203.0.113.7');
  assert.equal(duck.domains.get('portico')?.ip, '203.0.113.7');
  assert.equal(first.dns.lastDdnsUpdate, new Date(clock.now()).toISOString());
  assert.ok(!JSON.stringify(first).includes(duck.token), 'the provider token is not in the status');

  wim.behaviour = { kind: 'answer', reportAddress: '203.0.113.8' };
  await clock.advance(10 * 60_000);
  await waitFor('changed address written', () => duck.domains.get('portico')?.ip === '203.0.113.8', 5000);
  await waitFor('status follows', () => svc.getStatus().router.ddns?.address === '203.0.113.8', 5000);
});

test('a secret handed to redactInDiagnostics (the headless UI token) is masked in the diagnostics bundle until released', async (t) => {
  const w = await world(t);
  const { svc } = await startService(t, w.dir, {
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: null },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    router: { mode: 'off' },
  });
  const secret = 'ui-session-token-zzzz';
  svc.events.add('note', 'info', `the link was http://127.0.0.1/#token=${secret}`);
  const exported = async () => {
    const r = await svc.handlers['diagnostics:export']();
    assert.ok(r.ok);
    return r.value.content;
  };
  const release = svc.redactInDiagnostics(secret);
  const masked = await exported();
  assert.ok(!masked.includes(secret) && !masked.includes(TOKEN), 'neither the UI token nor the Plex token is in the bundle');
  release();
  assert.ok((await exported()).includes(secret), 'released: no longer a known secret');
});

test('event texts reach the dashboard with the config\'s secrets masked (Plex token, DNS provider token)', async (t) => {
  const w = await world(t);
  const duckToken = 'duck-token-0123456789abcdef';
  const { svc } = await startService(t, w.dir, {
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: null },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    dns: { provider: { kind: 'duckdns', token: duckToken } },
    router: { mode: 'off' },
  });
  svc.events.add('cert-failed', 'error', `DNS update refused for token ${duckToken}; PMS said no to ${TOKEN}`);
  const listed = JSON.stringify(await svc.handlers['events:list']());
  assert.match(listed, /DNS update refused/);
  assert.ok(!listed.includes(duckToken) && !listed.includes(TOKEN), listed);
});

test('events survive a restart: the service keeps them in the data directory\'s event file, secrets masked there too', async (t) => {
  const w = await world(t);
  const doc = { door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: null }, plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN }, router: { mode: 'off' } };
  const first = await startService(t, w.dir, doc);
  first.svc.events.add('cert-renewed', 'info', `renewed; PMS token ${TOKEN} must not be kept`);
  await first.svc.stop(0);
  const onDisk = await readFile(new DataDir(w.dir).events, 'utf8');
  assert.match(onDisk, /cert-renewed/);
  assert.ok(!onDisk.includes(TOKEN), 'the event file holds the masked text');

  const second = await startService(t, w.dir, doc);
  const listed = await second.svc.handlers['events:list']();
  assert.ok(listed.some((e) => e.kind === 'cert-renewed' && e.message.startsWith('renewed;')), JSON.stringify(listed));
});

test('a new Plex address from Settings re-routes the domain at once (no restart)', async (t) => {
  const w = await world(t);
  const { svc } = await startService(t, w.dir, {
    domains: [DOMAIN],
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: w.http },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    // Nothing is ordered: no finished wizard and no certificate yet, so the CA is never asked.
    acme: { directoryUrl: 'https://127.0.0.1:9/directory' },
    router: { mode: 'off' },
  });
  assert.equal(svc.getStatus().door.routes.find((r) => r.host === DOMAIN)?.upstream, w.pms.url);
  const moved = 'http://127.0.0.2:32400';
  const saved = await svc.handlers['config:update']({ plex: { url: moved } });
  assert.ok(saved.ok, JSON.stringify(saved));
  assert.equal(svc.getStatus().door.routes.find((r) => r.host === DOMAIN)?.upstream, moved);
});

test('router mode manual: the gateway and LAN address are read at once (no "no default gateway"), and the public address for the A record is in the status', async (t) => {
  const w = await world(t);
  const wim = await startWhatIsMyIpStandIn();
  t.after(() => wim.close());
  wim.behaviour = { kind: 'answer', reportAddress: '203.0.113.61' };
  const gateway = await discoverGateway();
  assert.ok(gateway, 'this test needs a default route (the machine running it has one)');
  const { svc } = await startService(t, w.dir, {
    domains: [DOMAIN],
    door: { bind: '127.0.0.1', httpsPorts: [w.https], httpPort: w.http },
    plex: { url: w.pms.url, tlsPort: port(w.plexTls), token: TOKEN },
    acme: { directoryUrl: 'https://127.0.0.1:1/dir' },
    dns: { resolver: '127.0.0.1:1' },
    router: { mode: 'manual' },
    publicIp: { httpEndpoints: [wim.url] },
  });
  await waitFor('the routing table read', async () => svc.getStatus().router.gateway === gateway, 5000);
  const r = svc.getStatus().router;
  assert.equal(r.state, 'manual');
  assert.equal(r.lanAddress, await localAddressToward(gateway));
  assert.deepEqual(r.manual?.map((m) => m.internalClient), r.manual?.map(() => r.lanAddress), 'the rows name the real LAN address');
  const findings = await svc.handlers['router:diagnose']();
  assert.ok(findings.ok);
  assert.ok(!findings.value.some((f) => f.id === 'no-gateway'), JSON.stringify(findings.value.map((f) => f.title)));
  await waitFor('the public address in the status', async () => svc.getStatus().router.publicAddress === '203.0.113.61', 5000);
});

/**
 * Start-up leaves V8's young generation at its ceiling, and V8 never shrinks it while the process
 * idles (support/reduce-memory.ts): 8 s after start the service asks for one memory-reducing
 * collection. Run with the flags bin/portico.js ships, so this fails if they stop exposing gc().
 * The child records the calls to the real gc() and what V8 then holds for the young generation.
 */
test('8 s after start, with the shipped node flags, the service runs one memory-reducing collection; a service stopped before then runs none', async (t) => {
  const dir = await tmpDir(t);
  const flags = /^#!.*?\bnode (.*)$/.exec(readFileSync(new URL('../../../bin/portico.js', import.meta.url), 'utf8').split('\n')[0]!)![1]!.split(' ');
  const href = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const out = execFileSync(process.execPath, [...flags, '--input-type=module', '-e', `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { writeFile } from 'node:fs/promises';
    import { join } from 'node:path';
    const { Service } = await import(${href('../../../main/core/service/service.ts')});
    const { silentLogger } = await import(${href('../../../main/core/support/logger.ts')});
    const { MemorySecretStore } = await import(${href('../../../main/core/support/secret-store.ts')});
    const { ManualClock } = await import(${href('../../helpers/manual-clock.ts')});
    const { freePort } = await import(${href('../../helpers/free-port.ts')});
    const calls = [];
    const realGc = globalThis.gc;
    if (realGc) globalThis.gc = (opts) => { calls.push(opts); return realGc(opts); };
    const youngPages = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').physical_space_size;
    const settle = async () => { for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 10)); };
    const dir = ${JSON.stringify(dir)};
    const configPath = join(dir, 'portico.json');
    await writeFile(configPath, JSON.stringify({
      domains: [${JSON.stringify(DOMAIN)}], publicIp: { lookup: false }, router: { mode: 'off' },
      door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null },
      plex: { url: 'http://127.0.0.1:' + await freePort(), token: ${JSON.stringify(TOKEN)} },
      acme: { directoryUrl: 'https://127.0.0.1:' + await freePort() + '/directory' },
    }));
    const run = async (stopEarly) => {
      calls.length = 0;
      const clock = new ManualClock(Date.now());
      const svc = (await Service.open({ configPath, dataDir: dir, secrets: new MemorySecretStore(), clock, logger: silentLogger })).value;
      await svc.start();
      await clock.advance(7_999);
      await settle();
      const before = { calls: calls.length, youngPages: youngPages() };
      if (stopEarly) await svc.stop(0);
      await clock.advance(1);
      await settle();
      const after = { calls: [...calls], youngPages: youngPages() };
      if (!stopEarly) await svc.stop(0);
      return { before, after };
    };
    const stopped = await run(true);
    const ran = await run(false);
    console.log(JSON.stringify({ gcExposed: !!realGc, stopped, ran }));
  `], { encoding: 'utf8' });
  type Run = { before: { calls: number; youngPages: number }; after: { calls: object[]; youngPages: number } };
  const r = JSON.parse(out.trim().split('\n').pop()!) as { gcExposed: boolean; stopped: Run; ran: Run };
  assert.ok(r.gcExposed, `bin/portico.js's flags (${flags.join(' ')}) expose gc()`);
  assert.equal(r.stopped.before.calls, 0, 'no collection asked for before 8 s');
  assert.deepEqual(r.stopped.after.calls, [], 'a service stopped before 8 s asks for none');
  assert.equal(r.ran.before.calls, 0, 'none before 8 s');
  assert.deepEqual(r.ran.after.calls, [{ type: 'major', execution: 'async', flavor: 'last-resort' }], 'one memory-reducing collection at 8 s');
  assert.ok(r.ran.after.youngPages < r.ran.before.youngPages, `V8 gave young-generation pages back: ${JSON.stringify(r.ran)}`);
});
