/**
 * `portico doctor`'s hairpin check knows Portico's door by the certificate on disk: a TLS server
 * on the public address that presents another certificate is not our door. On loopback: the
 * what-is-my-IP stand-in reports 127.0.0.1, and door.publicHttpsPort points at a TLS server.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { main } from '../../../main/cli/portico.ts';
import { CertStore } from '../../../main/core/certs/cert-store.ts';
import type { DoctorReport } from '../../../main/cli/commands/doctor.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { makeTestCa } from '../../helpers/test-ca.ts';
import { startWhatIsMyIpStandIn } from '../../stand-ins/whatismyip.ts';

const DOMAIN = 'plex.example.com';

async function tlsServer(t: TestContext, cert: string, key: string): Promise<number> {
  const s = createServer({ cert, key }, (sock) => sock.end());
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => s.close(() => r())));
  return (s.address() as AddressInfo).port;
}

test('portico doctor: the hairpin check tells our door from another TLS service by the certificate on disk', async (t) => {
  const dir = await tmpDir(t);
  const ca = makeTestCa(dir, [DOMAIN]);
  const wim = await startWhatIsMyIpStandIn();
  t.after(() => wim.close());
  const port = await tlsServer(t, ca.certPem, ca.keyPem);
  const config = join(dir, 'portico.json');
  await writeFile(config, JSON.stringify({
    domains: [DOMAIN], dataDir: dir, door: { publicHttpsPort: port }, router: { mode: 'off' },
    dns: { resolver: `127.0.0.1:${await freePort()}` }, publicIp: { httpEndpoints: [wim.url] },
  }));
  const hairpin = async () => {
    const out: string[] = [];
    await main(['doctor', '--json', '--config', config], { out: (l) => out.push(l), err: () => {}, env: {} });
    const r = JSON.parse(out.join('\n')) as DoctorReport;
    assert.equal(r.facts.publicAddress, '127.0.0.1');
    return r.facts;
  };
  assert.equal((await hairpin()).hairpin, 'reached', 'no certificate on disk: any TLS answer counts');

  const store = new CertStore(dir, [DOMAIN]);
  await store.save({ cert: ca.selfSignedPem, key: ca.selfSignedKeyPem }, { domains: [DOMAIN], issuedAt: new Date().toISOString(), directoryUrl: 'https://ca.test/directory' });
  const other = await hairpin();
  assert.equal(other.hairpin, 'not-reached', 'a server presenting another certificate is not our door');
  assert.match(other.hairpinDetail ?? '', /another service answered/);

  await store.save({ cert: ca.certPem, key: ca.keyPem }, { domains: [DOMAIN], issuedAt: new Date().toISOString(), directoryUrl: 'https://ca.test/directory' });
  assert.equal((await hairpin()).hairpin, 'reached', 'the certificate on disk answered: our door');
});
