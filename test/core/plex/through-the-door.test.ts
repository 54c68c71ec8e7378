/**
 * The real Door (main/core/proxy/door.ts) in front of the PMS stand-in: the stand-in records what
 * it received, so we can see the client's real address in X-Forwarded-For (client-sent values
 * overwritten), X-Forwarded-Proto: https, websocket notifications flowing, Range passing through,
 * and PlexManager.verify's door check passing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request, type RequestOptions } from 'node:https';
import type { LookupFunction } from 'node:net';
import WebSocket from 'ws';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { systemClock } from '../../../main/core/support/clock.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { Door } from '../../../main/core/proxy/door.ts';
import { PlexManager } from '../../../main/core/plex/plex-manager.ts';
import { DEFAULT_CONFIG } from '../../../main/shared/config.ts';
import { MEDIA_PATH, PmsStandIn } from '../../stand-ins/pms.ts';

const HOST = 'plex.example.test';
const OWNER = 'owner-token-aaaaaaaa';
const CLIENT_ADDRESS = '127.0.0.2'; // the "remote" client: a loopback address other than the door's own

/** Resolve our test domain to the door on 127.0.0.1, whatever form of lookup the caller wants. */
const lookup = ((_h: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
  if (opts?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

test('through the door: PMS sees the real client address and https; websocket, Range and verify work', async (t) => {
  const dir = await tmpDir(t);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'),
    '-days', '2', '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`], { stdio: 'ignore' });
  const pem = { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };

  const pms = new PmsStandIn({ supportDir: await tmpDir(t), ownerToken: OWNER, reachabilityDelayMs: 20 });
  await pms.start();
  t.after(() => pms.stop());
  const door = new Door({
    bind: '127.0.0.1', httpsPorts: [0], httpPort: null, publicHttpsPort: 443,
    routes: [{ host: HOST, upstream: pms.url }], passthrough: { host: '127.0.0.1', port: await freePort() },
    challenges: new ChallengeStore(), logger: silentLogger,
  });
  await door.start();
  t.after(() => door.stop(0));
  door.setCertificate([HOST], pem, 'real');
  const port = door.ports().https[0]!;
  const tls: RequestOptions = { ca: pem.cert, lookup, localAddress: CLIENT_ADDRESS };

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    const req = request(`https://${HOST}:${port}${path}`, { ...tls, method, headers: { 'X-Plex-Token': OWNER, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });

  // A client trying to spoof its address: the door must overwrite what it sent.
  const prefs = await get('/:/prefs', { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Proto': 'http' });
  assert.equal(prefs.status, 200);
  assert.match(prefs.body.toString(), /<Setting id="customConnections"/);
  const seen = pms.received.at(-1)!;
  assert.equal(seen.url, '/:/prefs');
  assert.equal(seen.headers['x-forwarded-for'], CLIENT_ADDRESS, 'the real client address, not the spoofed one');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers.host, `${HOST}:${port}`, 'Host passes through as the client sent it');
  assert.equal(seen.headers['x-plex-token'], OWNER, 'X-Plex-* headers pass through');
  assert.match(seen.peerAddress, /^(::ffff:)?127\.0\.0\.1$/, 'the door, not the client, is the TCP peer');

  // Range through the door
  const part = await get(MEDIA_PATH, { Range: 'bytes=1000-1999' });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 1000-1999/${pms.mediaBytes.length}`);
  assert.deepEqual(part.body, pms.mediaBytes.subarray(1000, 2000));

  // Websocket notifications through the door
  const ws = new WebSocket(`wss://${HOST}:${port}/:/websockets/notifications`, { ...tls, headers: { 'X-Plex-Token': OWNER } });
  t.after(() => ws.terminate());
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const upgradeSeen = pms.received.at(-1)!;
  assert.equal(upgradeSeen.url, '/:/websockets/notifications');
  assert.equal(upgradeSeen.headers['x-forwarded-for'], CLIENT_ADDRESS);
  const msg = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
  assert.equal((await get('/myplex/refreshReachability', {}, 'PUT')).status, 200);
  assert.deepEqual(JSON.parse(await msg), { NotificationContainer: { type: 'reachability', size: 1, ReachabilityNotification: [{ reachability: true }] } });
  pms.notify({ type: 'timeline', size: 1, TimelineEntry: [{ identifier: 'com.plexapp.plugins.library', sectionID: '1', itemID: '7', type: 1, state: 5 }] });
  assert.equal((JSON.parse(await new Promise<string>((r) => ws.once('message', (d) => r(String(d))))) as { NotificationContainer: { type: string } }).NotificationContainer.type, 'timeline');

  // PlexManager.verify's door check, probing through the door
  const m = new PlexManager({
    plex: { ...DEFAULT_CONFIG.plex, url: pms.url, token: OWNER }, domains: [HOST], publicHttpsPort: 443, dataDir: await tmpDir(t),
    secrets: new MemorySecretStore(), logger: silentLogger, clock: systemClock, tokenSources: [],
    plexTvBaseUrl: `http://127.0.0.1:${await freePort()}`, reachabilityPoll: { everyMs: 10, attempts: 100 },
  });
  const checks = await m.verify({ doorProbe: async (path) => { const r = await get(path, {}); return { status: r.status, body: r.body.toString() }; } });
  const doorCheck = checks.find((c) => c.id === 'door-reaches-pms')!;
  assert.equal(doorCheck.ok, true, doorCheck.detail);
});

test('PMS address rule (stand-in): X-Forwarded-For is used only from a private peer and when it is public', async (t) => {
  const pms = new PmsStandIn({ supportDir: await tmpDir(t), ownerToken: OWNER });
  await pms.start();
  t.after(() => pms.stop());
  const at = async (xff: string) => {
    await fetch(`${pms.url}/identity`, { headers: { 'X-Forwarded-For': xff } });
    return pms.received.at(-1)!.clientAddress;
  };
  assert.equal(await at('203.0.113.7'), '203.0.113.7', 'public address behind a local proxy: remote client');
  assert.match(await at('192.168.1.20'), /127\.0\.0\.1$/, 'private address in XFF is ignored: the proxy is the client');
});
