/**
 * RouterManager against a real miniupnpd (UPnP IGD + NAT-PMP + PCP) in network namespaces built
 * per test (test/helpers/router-netns.ts). The manager runs in the LAN namespace through a worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RouterNetns } from '../../helpers/router-netns.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';

const WORKER = new URL('./fixtures/lan-worker.ts', import.meta.url).pathname;
const DOORS = { publicHttpsPort: 443, httpsPorts: [8443, 32443], httpPort: 8080, mapPlexPort: true };

async function setup(t: Parameters<typeof tmpDir>[0] & { after: (fn: () => unknown) => void }, opts: { extraLanHosts?: number; daemon?: boolean } = {}) {
  const h = await RouterNetns.create(t, opts);
  const dataDir = await tmpDir(t);
  const w = await h.worker(h.lan, WORKER);
  return { h, w, dataDir };
}

for (const mode of ['upnp', 'natpmp', 'pcp'] as const) {
  test(`${mode}: map, list, renew, unmap (and a restarted process still removes its own)`, async (t) => {
    const { h, w, dataDir } = await setup(t);
    const opts = { mode, dataDir, doors: DOORS, upnpDescriptionUrl: mode === 'upnp' ? h.rootDescUrl : null, leaseSeconds: 600 };
    const s = await w.call<RouterStatus>('startManager', opts);
    assert.equal(s.state, 'mapped', JSON.stringify(s));
    assert.equal(s.gateway, h.gatewayIp);
    assert.equal(s.lanAddress, h.lanIp);
    assert.equal(s.externalAddress, h.extIp);
    assert.deepEqual(s.mappings.map((m) => [m.protocol, m.externalPort, m.internalClient, m.internalPort, m.state]),
      [[mode, 443, h.lanIp, 8443, 'mapped'], [mode, 80, h.lanIp, 8080, 'mapped'], [mode, 32400, h.lanIp, 32443, 'mapped']]);
    if (mode === 'upnp') assert.equal(s.adminUrl, `http://${h.gatewayIp}/admin`);

    // list: what the router itself has
    const table = await h.routerTable();
    assert.deepEqual(table.map((r) => [r.externalPort, r.client, r.internalPort]).sort(), [[32400, h.lanIp, 32443], [443, h.lanIp, 8443], [80, h.lanIp, 8080]]);
    const stored = JSON.parse(await readFile(join(dataDir, 'router-mappings.json'), 'utf8')) as { mappings: { externalPort: number; nonce?: string }[] };
    assert.equal(stored.mappings.length, 3);
    if (mode === 'pcp') assert.ok(stored.mappings.every((m) => /^[0-9a-f]{24}$/.test(m.nonce ?? '')), 'PCP nonces are kept for renew/delete');

    // renew: at half the granted lifetime each lease is asked for again
    const before = s.mappings.map((m) => Date.parse(m.expiresAt!));
    const granted = before[0]! - Date.UTC(2026, 5, 1);
    const r = await w.call<RouterStatus>('advance', granted / 2 + 1, 3);
    const after = r.mappings.map((m) => Date.parse(m.expiresAt!));
    assert.equal(r.state, 'mapped');
    // The renewal fires at half the lease; its answer comes back over the real network while the
    // clock may already stand at the end of the 1 ms step, so either instant is right.
    after.forEach((a, i) => assert.ok([granted / 2, granted / 2 + 1].includes(a - before[i]!), `expiry moved forward by the time that passed (${a - before[i]!} ms)`));
    assert.equal((await h.routerTable()).length, 3, 'still mapped after renewal');

    // a restarted process (fresh manager, same dataDir) removes exactly what it made
    const stopped = await w.call<RouterStatus>('restartAndStop', opts);
    assert.equal(stopped.state, 'off');
    assert.equal(stopped.error, undefined);
    assert.deepEqual(await h.routerTable(), []);
    assert.deepEqual(JSON.parse(await readFile(join(dataDir, 'router-mappings.json'), 'utf8')).mappings, []);
  });

  test(`${mode}: a port owned by another host is left alone and reported`, async (t) => {
    const { h, w, dataDir } = await setup(t, { extraLanHosts: 1 });
    const other = h.otherLanIps[0]!;
    await w.call('upnpMapAs', h.rootDescUrl, other, 443, 9443);
    const s = await w.call<RouterStatus>('startManager', { mode, dataDir, doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: 8080, mapPlexPort: false }, upnpDescriptionUrl: mode === 'upnp' ? h.rootDescUrl : null });
    assert.equal(s.state, 'partial');
    const m443 = s.mappings.find((m) => m.externalPort === 443)!;
    assert.equal(m443.state, 'conflict');
    assert.match(m443.error!, /443/);
    if (mode === 'upnp') {
      assert.match(m443.error!, new RegExp(`${other.replace(/\./g, '\\.')}:9443`), 'UPnP names the owner');
      assert.equal(m443.owner, other);
    }
    assert.match(m443.error!, /left it alone.*Retry/);
    assert.deepEqual(s.manual?.map((r) => [r.externalPort, r.internalClient, r.internalPort]), [[443, h.lanIp, 8443]]);
    assert.equal(s.mappings.find((m) => m.externalPort === 80)!.state, 'mapped');
    let table = await h.routerTable();
    assert.deepEqual(table.map((r) => [r.externalPort, r.client]).sort(), [[443, other], [80, h.lanIp]], 'nothing else was created (no stray alternate port)');

    await w.call('stopManager');
    table = await h.routerTable();
    assert.deepEqual(table.map((r) => [r.externalPort, r.client, r.internalPort]), [[443, other, 9443]], 'the other host\'s mapping survives our stop');
  });
}

test('router without UPnP/NAT-PMP/PCP (daemon stopped) -> manual instructions with the real numbers', async (t) => {
  const { h, w, dataDir } = await setup(t, { daemon: false });
  const s = await w.call<RouterStatus>('startManager', { mode: 'auto', dataDir, doors: DOORS });
  assert.equal(s.state, 'manual');
  assert.deepEqual(s.protocols, { upnp: false, pcp: false, natpmp: false });
  assert.match(s.error!, new RegExp(`router at ${h.gatewayIp.replace(/\./g, '\\.')} does not answer UPnP, NAT-PMP or PCP`));
  assert.deepEqual(s.manual, [
    { name: 'HTTPS (your Plex address)', externalPort: 443, internalClient: h.lanIp, internalPort: 8443, transport: 'TCP' },
    { name: 'HTTP (certificate checks, redirects)', externalPort: 80, internalClient: h.lanIp, internalPort: 8080, transport: 'TCP' },
    { name: 'Plex apps that use port 32400', externalPort: 32400, internalClient: h.lanIp, internalPort: 32443, transport: 'TCP' },
  ]);
});

test('pcp: with door.publicHttpsPort 4443 the router forwards WAN 4443 (not 443) to the door', async (t) => {
  const { h, w, dataDir } = await setup(t);
  const s = await w.call<RouterStatus>('startManager', { mode: 'pcp', dataDir, doors: { publicHttpsPort: 4443, httpsPorts: [8443], httpPort: null, mapPlexPort: false } });
  assert.equal(s.state, 'mapped', JSON.stringify(s));
  assert.deepEqual(s.mappings.map((m) => [m.externalPort, m.internalPort]), [[4443, 8443]]);
  assert.deepEqual((await h.routerTable()).map((r) => [r.externalPort, r.client, r.internalPort]), [[4443, h.lanIp, 8443]]);
  await w.call('stopManager');
  assert.deepEqual(await h.routerTable(), []);
});

test('discovery inside the LAN: default gateway from /proc/net/route, local address, SSDP finds the IGD', async (t) => {
  const { h, w } = await setup(t);
  const d = await w.call<{ gateway: string; lan: string; ssdp: { location: string; from: string }[] }>('discovery');
  assert.equal(d.gateway, h.gatewayIp);
  assert.equal(d.lan, h.lanIp);
  assert.ok(d.ssdp.some((a) => a.location === h.rootDescUrl && a.from === h.gatewayIp), JSON.stringify(d.ssdp));
  const info = await w.call<{ service: { kind: string; version: number }; external: string; list: unknown[] }>('upnpInfo', h.rootDescUrl);
  assert.deepEqual([info.service.kind, info.service.version, info.external, info.list], ['WANIPConnection', 2, h.extIp, []]);
});

test('upnp: a renewal that fails (router restarting) is retried and recovers', async (t) => {
  const { h, w, dataDir } = await setup(t);
  const opts = { mode: 'upnp', dataDir, doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: null, mapPlexPort: false }, upnpDescriptionUrl: h.rootDescUrl, leaseSeconds: 600, retryMs: 30_000 };
  assert.equal((await w.call<RouterStatus>('startManager', opts)).state, 'mapped');
  await h.stopDaemon();
  let s = await w.call<RouterStatus>('advance', 300_000, 1);
  assert.equal(s.state, 'error');
  assert.match(s.mappings[0]!.error!, /renewing WAN port 443 failed: .*retrying in 30 s/);
  await h.startDaemon();
  s = await w.call<RouterStatus>('advance', 30_000, 1);
  assert.equal(s.state, 'mapped', JSON.stringify(s));
  assert.deepEqual((await h.routerTable()).map((r) => [r.externalPort, r.client, r.internalPort]), [[443, h.lanIp, 8443]]);
  await w.call('stopManager');
  assert.deepEqual(await h.routerTable(), []);
});

test('upnp: another host takes the port while the lease runs and the record cannot be saved: the conflict is still reported', async (t) => {
  const { h, w, dataDir } = await setup(t, { extraLanHosts: 1 });
  const opts = { mode: 'upnp', dataDir, doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: null, mapPlexPort: false }, upnpDescriptionUrl: h.rootDescUrl, leaseSeconds: 600 };
  assert.equal((await w.call<RouterStatus>('startManager', opts)).state, 'mapped');
  // Our forward disappears from the router (someone deletes it) and another device takes WAN 443.
  await h.exec(h.lan, 'upnpc', ['-u', h.rootDescUrl, '-d', '443', 'TCP']);
  await w.call('upnpMapAs', h.rootDescUrl, h.otherLanIps[0]!, 443, 9443);
  // The data directory is gone and a file sits in its place: router-mappings.json cannot be written.
  await rm(dataDir, { recursive: true, force: true });
  await writeFile(dataDir, 'not a directory');
  const s = await w.call<RouterStatus>('advance', 300_000, 1);
  assert.equal(s.state, 'error', JSON.stringify(s));
  assert.equal(s.mappings[0]!.state, 'conflict');
  assert.match(s.mappings[0]!.error!, /Another device took the port/);
});

test('IGDv2 AddAnyPortMapping: the router offers a free port when the one asked for is taken', async (t) => {
  const { h, w } = await setup(t, { extraLanHosts: 1 });
  await w.call('upnpMapAs', h.rootDescUrl, h.otherLanIps[0], 18000, 18000);
  const got = await w.call<number>('upnpAddAny', h.rootDescUrl, h.lanIp, 18000, 8443);
  assert.notEqual(got, 18000);
  const table = await h.routerTable();
  assert.ok(table.some((r) => r.externalPort === got && r.client === h.lanIp && r.internalPort === 8443), JSON.stringify(table));
  assert.ok(table.some((r) => r.externalPort === 18000 && r.client === h.otherLanIps[0]));
});

test('a router that allows automatic forwards only for ports 1024+ (OpenWrt\'s and Debian\'s default): the refusal is recognised per protocol, explained with both ways out, manual rows', async (t) => {
  const h = await RouterNetns.create(t, { allowLowPorts: false });
  const w = await h.worker(h.lan, WORKER);
  for (const mode of ['upnp', 'natpmp', 'pcp'] as const) {
    const s = await w.call<RouterStatus>('startManager', { mode, dataDir: await tmpDir(t), doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: 8080, mapPlexPort: false }, upnpDescriptionUrl: mode === 'upnp' ? h.rootDescUrl : null,
      // miniupnpd takes ~0.5 s to find the port it offers instead (it walks up to 1024, asking the
      // firewall about each port), far longer on a loaded machine; a resend only restarts the walk.
      udpWaitsMs: [2000, 4000, 8000, 8000] });
    assert.equal(s.state, 'error', mode);
    assert.deepEqual(s.mappings.map((m) => [m.externalPort, m.state, m.refusedLowPort]), [[443, 'failed', true], [80, 'failed', true]], `${mode}: ${JSON.stringify(s.mappings)}`);
    assert.match(s.mappings[0]!.error!, mode === 'upnp' ? /WAN port 443 automatically \(UPnP error 606, Action not authorized\).*1024 and up/ : /WAN port 443 automatically \(it offered port 1024 instead\).*1024 and up/);
    assert.match(s.error ?? '', /only for ports 1024 and up, so it refused WAN port 443 and 80\. Either forward them by hand .*or use a high public port such as 8443 \(door\.publicHttpsPort\).*DNS-01 or HTTP-01/);
    assert.deepEqual(s.manual?.map((r) => [r.externalPort, r.internalClient, r.internalPort]), [[443, h.lanIp, 8443], [80, h.lanIp, 8080]]);
    assert.deepEqual(await h.routerTable(), [], 'no stray mapping on another port');
    await w.call('stopManager');
  }
});

test('pcp: after the door moves to another port, a restart replaces Portico\'s old mapping', async (t) => {
  const { h, w, dataDir } = await setup(t);
  const opts = { mode: 'pcp', dataDir, doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: null, mapPlexPort: false } };
  assert.equal((await w.call<RouterStatus>('startManager', opts)).state, 'mapped');
  const s = await w.call<RouterStatus>('startManager', { ...opts, doors: { publicHttpsPort: 443, httpsPorts: [9443], httpPort: null, mapPlexPort: false } });
  assert.equal(s.state, 'mapped', JSON.stringify(s));
  assert.deepEqual((await h.routerTable()).map((r) => [r.externalPort, r.client, r.internalPort]), [[443, h.lanIp, 9443]]);
  await w.call('stopManager');
  assert.deepEqual(await h.routerTable(), []);
});

test('manual and off: the gateway and this machine\'s LAN address come from the routing table, the router is asked nothing, manual rows carry the real address', async (t) => {
  const { h, w, dataDir } = await setup(t);
  for (const mode of ['manual', 'off'] as const) {
    const s = await w.call<RouterStatus>('startManager', { mode, dataDir, doors: DOORS });
    assert.equal(s.gateway, h.gatewayIp, mode);
    assert.equal(s.lanAddress, h.lanIp, mode);
    assert.equal(s.state, mode);
    assert.equal(s.error, undefined, `${mode}: no failure claimed`);
    assert.equal(s.protocols, undefined, `${mode}: no protocol probed`);
    if (mode === 'manual') assert.deepEqual(s.manual?.map((r) => [r.externalPort, r.internalClient, r.internalPort]), [[443, h.lanIp, 8443], [80, h.lanIp, 8080], [32400, h.lanIp, 32443]]);
    else assert.equal(s.manual, undefined, 'off: no rows offered as if Portico expected them');
    await w.call('stopManager');
  }
  assert.deepEqual(await h.routerTable(), [], 'nothing mapped');
});
