/**
 * Real forwarding through miniupnpd's NAT: Portico's door runs in the LAN namespace, the router
 * maps WAN 443 to it over UPnP, and a client in the WAN namespace completes an HTTPS request to
 * the router's public address. The same topology has no hairpin NAT, which the probe must see.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { RouterNetns } from '../../helpers/router-netns.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { diagnose } from '../../../main/core/network/diagnose.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';

const HOST = 'plex.example.test';

test('WAN client -> router public address :443 -> door on the LAN; no hairpin seen from inside', async (t) => {
  const h = await RouterNetns.create(t);
  const dir = await tmpDir(t);
  const ca = makeTestCa(dir, [HOST]);
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, ca.caPem);
  const w = await h.worker(h.lan, new URL('./fixtures/lan-worker.ts', import.meta.url).pathname);
  await w.call('startDoor', 8443, HOST, { key: ca.keyPem, cert: ca.certPem });
  const s = await w.call<RouterStatus>('startManager', { mode: 'auto', dataDir: dir, doors: { publicHttpsPort: 443, httpsPorts: [8443], httpPort: null, mapPlexPort: false } });
  assert.equal(s.state, 'mapped', JSON.stringify(s));
  assert.equal(s.mappings[0]!.protocol, 'upnp', 'auto picks UPnP first (found by SSDP)');

  const r = await h.runNode(h.wan, new URL('./fixtures/wan-client.ts', import.meta.url).pathname, [h.extIp, '443', HOST, caFile], 10_000);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) || `{"error": ${JSON.stringify(`no output (exit ${r.code}): ${r.stderr}`)}}`) as { status?: number; body?: string; authorized?: boolean; error?: string };
  assert.equal(out.error, undefined, r.stderr);
  assert.equal(out.status, 200);
  assert.equal(out.authorized, true);
  assert.equal(out.body, `hello from the LAN; you are ${h.wanHostIp}\n`, 'the door saw the real internet client');

  // From inside, the public address does not lead back to the door (miniupnpd does no hairpin).
  const fp = new X509Certificate(ca.certPem).fingerprint256;
  const hp = await w.call<{ result: string; detail: string }>('hairpin', h.extIp, 443, HOST, fp);
  assert.equal(hp.result, 'not-reached', hp.detail);
  // ...while the door itself is up on the LAN address (so "not reached" is the router's doing).
  const direct = await w.call<{ result: string }>('hairpin', h.lanIp, 8443, HOST, fp);
  assert.equal(direct.result, 'reached');
  const findings = diagnose({ domain: HOST, publicHttpsPort: 443, routerMode: 'auto', gateway: s.gateway, lanAddress: s.lanAddress, gatewayExternalAddress: s.externalAddress, publicAddress: h.extIp, hairpin: 'not-reached', hairpinDetail: hp.detail, protocols: s.protocols, mappings: s.mappings });
  const f = findings.find((x) => x.id === 'no-hairpin');
  assert.ok(f, JSON.stringify(findings));
  assert.match(f.fix!, new RegExp(h.lanIp.replace(/\./g, '\\.')));

  await w.call('stopManager');
  assert.deepEqual(await h.routerTable(), []);
  await w.call('stopDoor');
});
