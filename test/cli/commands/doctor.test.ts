/**
 * `portico doctor` in the LAN namespace of a real miniupnpd router, with a STUN server on the
 * WAN side: it reports the mapping state, the router's and the public address (through the
 * router's source NAT), and the missing hairpin; --json carries the same.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RouterNetns, waitForLine } from '../../helpers/router-netns.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import type { DoctorReport } from '../../../main/cli/commands/doctor.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';

const FIX = new URL('../../core/network/fixtures/', import.meta.url).pathname;

test('portico doctor: mapping state, addresses, hairpin, manual rows; text and --json', async (t) => {
  const h = await RouterNetns.create(t, { extraLanHosts: 1 });
  const dir = await tmpDir(t);
  const stun = h.spawnNode(h.wan, join(FIX, 'wan-stun.ts'));
  await waitForLine(stun, /stun listening/);
  const w = await h.worker(h.lan, join(FIX, 'lan-worker.ts'));
  // Another device holds WAN 80; Portico maps 443 itself.
  await w.call('upnpMapAs', h.rootDescUrl, h.otherLanIps[0], 80, 80);
  const s = await w.call<RouterStatus>('startManager', { mode: 'auto', dataDir: dir, doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: 8080, mapPlexPort: false } });
  assert.equal(s.state, 'partial');
  const config = join(dir, 'portico.json');
  await writeFile(config, JSON.stringify({
    domains: ['plex.example.test'], dataDir: dir, door: { httpsPorts: [8443], httpPort: 8080 },
    dns: { resolver: '127.0.0.1:53' }, publicIp: { stunServer: `${h.wanHostIp}:3478` }, router: { mode: 'auto' },
  }));

  const text = await w.call<{ code: number; out: string[]; err: string[] }>('doctorCli', ['--config', config]);
  const all = text.out.join('\n');
  if (process.env.PORTICO_SHOW_DOCTOR) console.log(all);
  assert.equal(text.code, 1, `a conflict is an error finding\n${all}\n${text.err.join('\n')}`);
  assert.match(all, new RegExp(`gateway +${h.gatewayIp.replace(/\./g, '\\.')} +\\(this machine: ${h.lanIp.replace(/\./g, '\\.')}\\)`));
  assert.match(all, /protocols +UPnP yes/);
  assert.match(all, /router WAN IP +1\.2\.3\.4/);
  assert.match(all, /public IP +1\.2\.3\.4/);
  assert.match(all, new RegExp(`WAN 443 +-> ${h.lanIp.replace(/\./g, '\\.')}:8443 TCP  mapped \\(upnp\\)`));
  assert.match(all, new RegExp(`WAN 80 +-> ${h.lanIp.replace(/\./g, '\\.')}:8080 TCP  conflict`));
  assert.match(all, new RegExp(`forwarded to ${h.otherLanIps[0]!.replace(/\./g, '\\.')}:80`));
  assert.match(all, new RegExp(`80 +TCP +${h.lanIp.replace(/\./g, '\\.')} +8080`), 'manual row for the port it could not get');
  assert.match(all, /\[FAIL\] WAN port 80 is forwarded to another device/);
  assert.match(all, /\[WARN\] No hairpin NAT/);
  assert.match(all, /\[ok {2}\] Your router has the public address/);

  const j = await w.call<{ code: number; out: string[] }>('doctorCli', ['--json', '--config', config]);
  const report = JSON.parse(j.out.join('\n')) as DoctorReport;
  assert.equal(report.facts.publicAddress, h.extIp);
  assert.equal(report.facts.gatewayExternalAddress, h.extIp);
  assert.equal(report.facts.hairpin, 'not-reached');
  assert.deepEqual(report.findings.filter((f) => f.severity !== 'ok').map((f) => f.id).sort(), ['dns-lookup-failed', 'mapping-conflict-80', 'no-hairpin']);
  assert.deepEqual(report.router.mappings.map((m) => [m.externalPort, m.state]), [[443, 'mapped'], [80, 'conflict']]);

  await w.call('stopManager');
  assert.deepEqual((await h.routerTable()).map((r) => [r.externalPort, r.client]), [[80, h.otherLanIps[0]]], 'doctor changed nothing; stop removed only ours');
});

test('portico doctor behind a provider NAT: the router\'s WAN address is not the public one -> CGNAT', async (t) => {
  const h = await RouterNetns.create(t, { upstreamNat: '5.6.7.8' });
  const dir = await tmpDir(t);
  const stun = h.spawnNode(h.wan, join(FIX, 'wan-stun.ts'));
  await waitForLine(stun, /stun listening/);
  const w = await h.worker(h.lan, join(FIX, 'lan-worker.ts'));
  const config = join(dir, 'portico.json');
  await writeFile(config, JSON.stringify({
    domains: ['plex.example.test'], dataDir: dir, door: { httpsPorts: [8443], httpPort: 8080 },
    dns: { resolver: '127.0.0.1:53' }, publicIp: { stunServer: `${h.wanHostIp}:3478` },
  }));
  const j = await w.call<{ code: number; out: string[]; err: string[] }>('doctorCli', ['--json', '--config', config]);
  const report = JSON.parse(j.out.join('\n')) as DoctorReport;
  assert.equal(j.code, 1);
  assert.equal(report.facts.gatewayExternalAddress, h.extIp);
  assert.equal(report.facts.publicAddress, '5.6.7.8', 'STUN saw the provider NAT\'s address');
  const f = report.findings.find((x) => x.id === 'cgnat');
  assert.ok(f, JSON.stringify(report.findings));
  assert.match(f.detail, /1\.2\.3\.4.*5\.6\.7\.8/);
  assert.deepEqual(report.router.mappings.map((m) => [m.externalPort, m.state]), [[443, 'failed'], [80, 'failed']], 'doctor only looks: nothing mapped');
  assert.deepEqual(await h.routerTable(), []);
});
