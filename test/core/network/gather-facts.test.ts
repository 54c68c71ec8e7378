/**
 * gatherFacts() with real peers on loopback: the domain's records from a real BIND 9 through the
 * configured resolver, the public address from the STUN stand-in, hairpin against a real TLS
 * server (its certificate fingerprint tells our door from anything else on that port).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startBind } from '../../helpers/bind.ts';
import { startStunStandIn } from '../../stand-ins/stun.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { gatherFacts, resolveAddresses } from '../../../main/core/network/gather-facts.ts';
import { diagnose } from '../../../main/core/network/diagnose.ts';
import { StunPublicIp } from '../../../main/core/network/stun-public-ip.ts';
import type { RouterStatus } from '../../../main/shared/status/router.ts';

test('DNS through the configured resolver, public address, hairpin: matching and mismatching', async (t) => {
  const bind = await startBind();
  t.after(() => bind.stop());
  const stun = await startStunStandIn();
  t.after(() => stun.close());
  const dir = await tmpDir(t);
  const ca = makeTestCa(dir, [`app.${bind.zone}`]);
  const door = createServer({ key: ca.keyPem, cert: ca.certPem }, (s) => s.end());
  await new Promise<void>((r) => door.listen(0, '127.0.0.1', () => r()));
  t.after(() => new Promise((r) => door.close(r)));
  const port = (door.address() as AddressInfo).port;
  const fp = new X509Certificate(ca.certPem).fingerprint256;

  assert.deepEqual(await resolveAddresses(`app.${bind.zone}`, bind.address), { a: ['127.0.0.1'], aaaa: [] });
  assert.deepEqual(await resolveAddresses(`nothing.${bind.zone}`, bind.address), { a: [], aaaa: [] });

  const router: RouterStatus = { mode: 'auto', state: 'mapped', gateway: '192.168.1.1', lanAddress: '192.168.1.10', externalAddress: '127.0.0.1', protocols: { upnp: true }, mappings: [], findings: [] };
  const base = { domain: `app.${bind.zone}`, publicHttpsPort: port, router, resolver: bind.address, publicIp: [new StunPublicIp(`127.0.0.1:${stun.port}`, { waitsMs: [300] })], doorFingerprint256: fp };

  const good = await gatherFacts(base);
  assert.equal(good.publicAddress, '127.0.0.1');
  assert.equal(good.hairpin, 'reached');
  assert.deepEqual(diagnose(good).filter((f) => f.severity !== 'ok'), []);

  // Another certificate on the public address's port: not our door.
  const other = await gatherFacts({ ...base, doorFingerprint256: fp.replace(/^../, fp.startsWith('00') ? '11' : '00') });
  assert.equal(other.hairpin, 'not-reached');
  assert.match(other.hairpinDetail!, /another service answered/);

  // The internet sees another address (still loopback here): DNS mismatch, router != public, no hairpin.
  stun.behaviour = { kind: 'answer', reportAddress: '127.0.0.2' };
  const bad = await gatherFacts(base);
  const ids = diagnose(bad).filter((f) => f.severity !== 'ok').map((f) => f.id).sort();
  assert.deepEqual(ids, ['cgnat', 'dns-mismatch', 'no-hairpin']);

  // No public-address service answers: said so, with which ones were tried.
  stun.behaviour = { kind: 'silent' };
  const none = await gatherFacts(base);
  assert.equal(none.publicAddress, null);
  assert.match(none.publicAddressError!, /STUN 127\.0\.0\.1:\d+: .*no answer/);
  assert.equal(none.hairpin, null, 'no address, no hairpin probe');
});
