/**
 * Every name the door terminates gets a real certificate: extra routes (`routes[].host`) get
 * their own from pebble through the real door, a route added while running is served at once
 * (placeholder first, then its own certificate) without touching the others' certificates.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { X509Certificate } from 'node:crypto';
import { Service } from '../../../main/core/service/service.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { startPebble } from '../../helpers/pebble.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { port, tlsTo } from '../proxy/door-fixtures.ts';
import { serviceWorld } from './service-world.ts';

const TOKEN = 'owner-token-routes-aaaa';
const DOMAIN = 'plex.routes.test';
const ROUTE_A = 'overseerr.routes.test';
const ROUTE_B = 'tautulli.other.test';

async function upstream(t: TestContext, name: string): Promise<Server> {
  const s = createServer((_req, res) => res.end(`hello from ${name}`));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { s.closeAllConnections(); s.close(r); }));
  return s;
}

/** What the door serves for `servername`: the chain checked against `ca`, and the body of GET /. */
async function fetchThroughDoor(doorPort: number, servername: string, ca: string): Promise<{ authorized: boolean; serial: string; issuer: string; body: string }> {
  const s = await tlsTo(doorPort, { servername, ca });
  const leaf = s.getPeerX509Certificate()!;
  const authorized = s.authorized;
  const body = await new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => { const all = Buffer.concat(parts).toString(); resolve(all.slice(all.indexOf('\r\n\r\n') + 4)); });
    s.on('error', reject);
    s.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
  });
  return { authorized, serial: leaf.serialNumber, issuer: leaf.issuer, body };
}

test('extra routes get their own CA-issued certificates; a route added while running is served at once, others untouched', async (t) => {
  const { dir, pms, plexTls, https, http } = await serviceWorld(t, TOKEN);
  const pebble = await startPebble({ httpPort: http, tlsPort: https });
  t.after(() => pebble.stop());
  const [a, b] = [await upstream(t, 'a'), await upstream(t, 'b')];

  const configPath = join(dir, 'portico.json');
  await writeFile(configPath, JSON.stringify({
    domains: [DOMAIN],
    routes: [{ host: ROUTE_A, upstream: `http://127.0.0.1:${port(a)}` }],
    door: { bind: '127.0.0.1', httpsPorts: [https], httpPort: http },
    plex: { url: pms.url, tlsPort: port(plexTls), token: TOKEN },
    acme: { directoryUrl: pebble.directoryUrl, caFile: pebble.apiCaPath, challenge: 'tls-alpn-01', email: 'owner@example.com' },
    router: { mode: 'off' },
    publicIp: { lookup: false }, // tests never ask the internet for the public address
  }));
  const clock = new ManualClock(Date.now());
  const opened = await Service.open({ configPath, dataDir: join(dir, 'data'), secrets: new MemorySecretStore(), clock, logger: silentLogger, beginAtStart: true });
  assert.ok(opened.ok, JSON.stringify(!opened.ok && opened.error));
  const svc = opened.value;
  t.after(() => svc.stop(0));
  await svc.start();

  const valid = (host: string) => svc.getStatus().certificates.find((c) => c.domains.join() === host && c.state === 'valid');
  // Fire whatever the managers armed for "now" (a manager built by a config change arms its first check later).
  const issued = (...hosts: string[]) => async () => { await clock.advance(0); return hosts.every((h) => valid(h)); };
  await waitFor('certificates for the domain and the route', issued(DOMAIN, ROUTE_A), 90_000, 100);
  const routeA = await fetchThroughDoor(https, ROUTE_A, pebble.rootPem);
  assert.ok(routeA.authorized, 'the route\'s chain verifies against pebble\'s root');
  assert.match(routeA.issuer, /Pebble/i);
  assert.equal(routeA.body, 'hello from a');
  const main = await fetchThroughDoor(https, DOMAIN, pebble.rootPem);
  assert.ok(main.authorized);
  assert.notEqual(main.serial, routeA.serial, 'one certificate per name set');
  assert.deepEqual(svc.getStatus().door.routes.map((r) => [r.host, r.certificate]), [[DOMAIN, 'real'], [ROUTE_A, 'real']]);
  const events = svc.events.list().filter((e) => e.kind === 'cert-obtained').map((e) => e.message);
  assert.ok(events.some((m) => m.includes(ROUTE_A)), 'the route\'s certificate is announced in the events');

  // A route added while running: routed at once with a placeholder, then its own certificate.
  const saved = await svc.handlers['config:update']({ routes: [{ host: ROUTE_A, upstream: `http://127.0.0.1:${port(a)}` }, { host: ROUTE_B, upstream: `http://127.0.0.1:${port(b)}` }] });
  assert.ok(saved.ok, JSON.stringify(saved));
  await waitFor('route B in the door', () => svc.getStatus().door.routes.some((r) => r.host === ROUTE_B), 5000);
  assert.equal(svc.getStatus().door.routes.find((r) => r.host === ROUTE_A)?.certificate, 'real', 'the placeholder for the new name set did not replace route A\'s real certificate');
  await waitFor('route B certificate', issued(ROUTE_B), 90_000, 100);
  const routeB = await fetchThroughDoor(https, ROUTE_B, pebble.rootPem);
  assert.ok(routeB.authorized);
  assert.equal(routeB.body, 'hello from b');
  assert.equal((await fetchThroughDoor(https, ROUTE_A, pebble.rootPem)).serial, routeA.serial, 'route A keeps its certificate');
  assert.equal((await fetchThroughDoor(https, DOMAIN, pebble.rootPem)).serial, main.serial, 'the domain keeps its certificate (no new name set ordered)');
  const stored = new X509Certificate(await readFile(join(dir, 'data', 'certs', ROUTE_B, 'cert.pem'), 'utf8'));
  assert.equal(stored.serialNumber, routeB.serial, 'stored in its own directory under certs/');
});
