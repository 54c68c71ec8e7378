/**
 * Alerts as the headless service sends them: the real Service with the PMS stand-in, the ntfy
 * stand-in as both the ntfy server and the webhook receiver. PMS going down changes the verdict
 * (noticed by the background poll on a ManualClock); the alert goes out on both channels, the
 * events say so without the secrets, and the secrets live in the secret store, not the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Service } from '../../../main/core/service/service.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { PmsStandIn } from '../../stand-ins/pms.ts';
import { startNtfy } from '../../stand-ins/ntfy.ts';

const TOKEN = 'owner-token-alerts-aaaa';

test('the service alerts the webhook and the ntfy topic when the verdict changes, records it, and keeps the secrets out of the file and events', async (t) => {
  const dir = await tmpDir(t);
  const pms = new PmsStandIn({ supportDir: join(dir, 'pms'), ownerToken: TOKEN });
  await pms.start();
  t.after(() => pms.stop());
  const ntfy = await startNtfy();
  t.after(() => ntfy.stop());
  const configPath = join(dir, 'portico.json');
  await writeFile(configPath, JSON.stringify({
    domains: ['plex.alerts.test'],
    door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null },
    plex: { url: pms.url, token: TOKEN },
    router: { mode: 'off' },
  }));
  const secrets = new MemorySecretStore();
  const clock = new ManualClock();
  const opened = await Service.open({ configPath, dataDir: dir, secrets, clock, logger: silentLogger });
  assert.ok(opened.ok);
  const svc = opened.value;
  t.after(() => svc.stop(0));
  await svc.start();

  // Nothing set up: the test says so, with the fix.
  const none = await svc.handlers['alerts:test']();
  assert.ok(!none.ok && none.error.code === 'no-alert-channels' && /webhook URL or an ntfy topic URL/.test(none.error.fix ?? ''));

  const hookPath = '/hook/T0/B0/secretHookPart';
  const saved = await svc.handlers['config:update']({ alerts: { webhook: `${ntfy.base}${hookPath}`, ntfy: { url: `${ntfy.base}/${ntfy.protectedTopic}`, token: ntfy.token } } });
  assert.ok(saved.ok, JSON.stringify(saved));
  const host = new URL(ntfy.base).host;
  assert.deepEqual(saved.value.alerts, { webhook: { host }, ntfy: { host, token: true } }, 'the UI learns the hosts, never the URLs or the token');
  const file = await readFile(configPath, 'utf8');
  assert.ok(!file.includes('secretHookPart') && !file.includes(ntfy.token), file);
  assert.deepEqual(JSON.parse(file).alerts, { webhook: '@secret:alerts.webhook', ntfy: { url: '@secret:alerts.ntfy.url', token: '@secret:alerts.ntfy.token' } });
  assert.equal(await secrets.get('alerts.ntfy.token'), ntfy.token);

  // "Send a test alert": both channels, in plain words.
  const tested = await svc.handlers['alerts:test']();
  assert.ok(tested.ok);
  assert.deepEqual(tested.value, [{ channel: 'webhook', ok: true, message: 'The webhook took the test alert.' }, { channel: 'ntfy', ok: true, message: 'The ntfy topic took the test alert.' }]);
  assert.equal(ntfy.received.at(-1)!.headers.title, 'Portico: test alert');

  // A token left out keeps the stored one; a wrong one is refused and said so.
  assert.ok((await svc.handlers['config:update']({ alerts: { ntfy: { token: 'tk_wrong' } } })).ok);
  const wrong = await svc.handlers['alerts:test']();
  assert.ok(wrong.ok);
  assert.deepEqual(wrong.value.map((r) => r.ok), [true, false]);
  assert.match(wrong.value[1]!.message, /refused the ntfy alert \(HTTP 403\)/);
  assert.ok((await svc.handlers['config:update']({ alerts: { ntfy: { token: ntfy.token } } })).ok);

  // PMS goes down: the verdict turns to error and both channels hear it once.
  await waitFor('PMS found', () => svc.getStatus().plex.state !== 'unknown', 5000);
  const before = ntfy.received.length;
  await pms.stop();
  await clock.advance(60_000);
  await waitFor('PMS down noticed', () => svc.getStatus().health.state === 'error', 5000);
  await waitFor('alert received on both channels', () => ntfy.received.length >= before + 2, 5000);
  const sent = ntfy.received.slice(before);
  const hook = sent.find((r) => r.path === hookPath)!;
  assert.equal(JSON.parse(hook.body).state, 'error');
  assert.equal(JSON.parse(hook.body).event, 'health-changed');
  const msg = sent.find((r) => r.path === `/${ntfy.protectedTopic}`)!;
  assert.equal(msg.headers.title, 'Portico: remote access to Plex is not working');
  assert.equal(msg.headers.priority, '5');
  assert.equal(ntfy.received.length, before + 2, 'once per channel');

  const events = svc.events.list();
  assert.ok(events.some((e) => e.kind === 'alert-sent' && /Alert sent by ntfy: Portico: remote access to Plex is not working/.test(e.message)));
  assert.ok(events.some((e) => e.kind === 'alert-failed' && /HTTP 403/.test(e.message)));
  const text = JSON.stringify(events);
  assert.ok(!text.includes('secretHookPart') && !text.includes(ntfy.token), text);
});
