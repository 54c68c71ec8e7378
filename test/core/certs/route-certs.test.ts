import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteCerts } from '../../../main/core/certs/route-certs.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { Door } from '../../../main/core/proxy/door.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { makeCert, tlsTo } from '../proxy/door-fixtures.ts';

test('a route host gets its own certificate unless a domain already covers it', () => {
  assert.deepEqual(RouteCerts.hostsNeeding(['plex.example.com'], ['overseerr.example.com', 'Tautulli.Example.com']), ['overseerr.example.com', 'tautulli.example.com']);
  assert.deepEqual(RouteCerts.hostsNeeding(['*.example.com'], ['overseerr.example.com', 'a.b.example.com', 'other.test']), ['a.b.example.com', 'other.test'], 'a wildcard covers one label only');
  assert.deepEqual(RouteCerts.hostsNeeding(['plex.example.com'], ['plex.example.com', 'x.test', 'X.test']), ['x.test']);
});

test('the door serves a real certificate over a placeholder, exact or wildcard, whatever the order they arrive in', async (t) => {
  const dir = await tmpDir(t);
  const door = new Door({
    bind: '127.0.0.1', httpsPorts: [0], httpPort: null, publicHttpsPort: 443,
    routes: [{ host: 'a.example.test', upstream: 'http://127.0.0.1:9' }, { host: 'b.example.test', upstream: 'http://127.0.0.1:9' }],
    passthrough: { host: '127.0.0.1', port: 9 }, challenges: new ChallengeStore(), logger: silentLogger,
  });
  await door.start();
  t.after(() => door.stop(0));
  const served = async (name: string) => {
    const s = await tlsTo(door.ports().https[0]!, { servername: name });
    const subject = s.getPeerX509Certificate()!.subject;
    s.destroy();
    return subject;
  };
  const wildcard = makeCert(dir, 'wild', ['*.example.test']);
  const exactReal = makeCert(dir, 'b-real', ['b.example.test']);
  const placeholder = makeCert(dir, 'ph', ['a.example.test', 'b.example.test']);

  door.setCertificate(['a.example.test', 'b.example.test'], placeholder, 'placeholder');
  door.setCertificate(['*.example.test'], wildcard, 'real');
  assert.match(await served('a.example.test'), /CN=\*\.example\.test/, 'real wildcard beats an exact placeholder');
  door.setCertificate(['b.example.test'], exactReal, 'real');
  door.setCertificate(['a.example.test', 'b.example.test'], placeholder, 'placeholder');
  assert.match(await served('b.example.test'), /CN=b\.example\.test/, 'a placeholder installed later does not replace a real certificate');
  assert.match(await served('a.example.test'), /CN=\*\.example\.test/);
  assert.deepEqual(door.getStatus().routes.map((r) => r.certificate), ['real', 'real']);
});
