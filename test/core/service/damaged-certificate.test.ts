/** Damaged certificate files are never silent: the status, the health and the event list say so, with the fix. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Service } from '../../../main/core/service/service.ts';
import { CertStore } from '../../../main/core/certs/cert-store.ts';
import { placeholderCert } from '../../../main/core/proxy/placeholder-cert.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';

const DOMAIN = 'plex.damaged.test';

test('a corrupt stored certificate at start: status says damaged and which fallback is served, an event gives the fix', async (t) => {
  const dir = await tmpDir(t);
  const dataDir = join(dir, 'data');
  // Two good sets on disk (so previous/ exists), then the current certificate cut in half.
  const store = new CertStore(dataDir, [DOMAIN]);
  const meta = { domains: [DOMAIN], issuedAt: new Date().toISOString(), directoryUrl: 'https://127.0.0.1:9/dir' };
  await store.save(await placeholderCert(join(dir, 'a'), [DOMAIN]), meta);
  await store.save(await placeholderCert(join(dir, 'b'), [DOMAIN]), meta);
  const certPath = join(store.dir, 'cert.pem');
  const text = await readFile(certPath, 'utf8');
  await writeFile(certPath, text.slice(0, text.length / 2));

  const configPath = join(dir, 'portico.json');
  await writeFile(configPath, JSON.stringify({
    domains: [DOMAIN],
    door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null },
    plex: { url: `http://127.0.0.1:${await freePort()}` },
    acme: { directoryUrl: 'https://127.0.0.1:9/dir', challenge: 'http-01', email: 'owner@example.com' },
    router: { mode: 'off' },
    publicIp: { lookup: false }, // tests never ask the internet for the public address
  }));
  // The clock never moves: no order is attempted, so what is shown comes from the start alone.
  const opened = await Service.open({ configPath, dataDir, secrets: new MemorySecretStore(), clock: new ManualClock(Date.now()), logger: silentLogger, beginAtStart: true });
  assert.ok(opened.ok);
  const svc = opened.value;
  t.after(() => svc.stop(0));
  await svc.start();

  const st = svc.getStatus();
  const cert = st.certificates.find((c) => c.domains.includes(DOMAIN))!;
  assert.equal(cert.state, 'valid', 'the previous set is valid and served');
  assert.equal(cert.damaged?.serving, 'previous');
  assert.equal(st.door.routes.find((r) => r.host === DOMAIN)?.certificate, 'real');
  assert.equal(st.health.state, 'warning');
  assert.match(st.health.reason, /certificate files in .* are damaged/);
  const ev = svc.events.list().find((e) => e.kind === 'cert-damaged');
  assert.ok(ev, 'an event is shown');
  assert.equal(ev.level, 'warning');
  assert.match(ev.message, /damaged \(cert\.pem or key\.pem does not match meta\.json/);
  assert.match(ev.message, /ordering a new certificate now/);
});
