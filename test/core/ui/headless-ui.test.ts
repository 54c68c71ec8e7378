import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadlessUi } from '../../../main/core/ui/headless-ui.ts';
import { createApiHandlers } from '../../../main/core/service/api-handlers.ts';
import { WizardStore } from '../../../main/core/state/wizard-store.ts';
import { ConfigStore } from '../../../main/core/state/config-store.ts';
import { EventLog } from '../../../main/core/state/event-log.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { systemClock } from '../../../main/core/support/clock.ts';
import { healthyStatus } from '../../shared/app-status-fixture.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { handlerDeps } from '../service/handler-deps.ts';

test('HeadlessUi: the token saved for `portico status`, and the API wired to the stores', async (t) => {
  const dir = await tmpDir(t);
  const path = join(dir, 'portico.json');
  await writeFile(path, JSON.stringify({ domains: ['plex.example.com'] }));
  const store = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore() });
  assert.ok(store.ok);
  const eventLog = new EventLog({ clock: systemClock });
  const redacted = new Set<string>();
  const { deps } = await handlerDeps(t);
  const handlers = createApiHandlers({
    ...deps, getStatus: () => healthyStatus(), configStore: store.value, wizardStore: new WizardStore(dir), events: eventLog,
    versions: { portico: '0.0.0' }, now: () => systemClock.now(), extraSecrets: () => [...redacted],
  });
  const ui = await HeadlessUi.start({
    dataDir: dir, port: 0, staticDir: null, logger: silentLogger, handlers, events: eventLog,
    redactInDiagnostics: (s) => { redacted.add(s); return () => redacted.delete(s); },
    service: { getStatus: () => healthyStatus(), onDidChangeStatus: () => () => {} },
  });
  t.after(() => ui.stop());
  const token = (await readFile(join(dir, 'ui-token'), 'utf8')).trim();
  assert.equal(ui.url, `http://127.0.0.1:${ui.port}/#token=${token}`);
  const call = (channel: string, args: unknown[]) => fetch(`http://127.0.0.1:${ui.port}/api/${channel}`, {
    method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ args }),
  }).then((r) => r.json());
  const saved = await call('config:update', [{ domains: ['media.example.org'] }]) as { ok: boolean; value: { domains: string[] } };
  assert.deepEqual(saved.value.domains, ['media.example.org']);
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).domains, ['media.example.org']);
  const w = await call('wizard:save', [{ step: 'domain', completed: ['welcome', 'plex'], finished: false }]);
  assert.deepEqual(await call('wizard:get', []), w);
  const events = await call('events:list', []) as { kind: string }[];
  assert.deepEqual(events.map((e) => e.kind), ['config-changed']);
  const page = await fetch(`http://127.0.0.1:${ui.port}/`);
  assert.equal(page.status, 503, 'without a built renderer the page says to build it');
  assert.match(await page.text(), /npm run build/);
  assert.deepEqual([...redacted], [token], 'the session token is masked in diagnostics bundles while the UI runs');
  await ui.stop();
  assert.deepEqual([...redacted], [], 'and forgotten once it stops');
});

test('the default static dir is dist/renderer of this package, or null when not built', async (t) => {
  const dir = await tmpDir(t);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'portico' }));
  await mkdir(join(dir, 'main', 'core', 'ui'), { recursive: true });
  const from = join(dir, 'main', 'core', 'ui', 'headless-ui.ts');
  assert.equal(HeadlessUi.defaultStaticDir(from), null);
  await mkdir(join(dir, 'dist', 'renderer'), { recursive: true });
  await writeFile(join(dir, 'dist', 'renderer', 'index.html'), '<!doctype html>');
  assert.equal(HeadlessUi.defaultStaticDir(from), join(dir, 'dist', 'renderer'));
});

test('HeadlessUi: a restart keeps the link; rotating refuses the old token at once and saves the new one', async (t) => {
  const dir = await tmpDir(t);
  const { deps } = await handlerDeps(t);
  const path = join(dir, 'portico.json');
  await writeFile(path, JSON.stringify({ domains: ['plex.example.com'] }));
  const store = await ConfigStore.open({ path, dataDir: dir, secrets: new MemorySecretStore() });
  assert.ok(store.ok);
  const eventLog = new EventLog({ clock: systemClock });
  const handlers = createApiHandlers({ ...deps, getStatus: () => healthyStatus(), configStore: store.value, wizardStore: new WizardStore(dir), events: eventLog });
  const redacted = new Set<string>();
  const start = () => HeadlessUi.start({
    dataDir: dir, port: 0, staticDir: null, logger: silentLogger, handlers, events: eventLog,
    redactInDiagnostics: (s) => { redacted.add(s); return () => redacted.delete(s); },
    service: { getStatus: () => healthyStatus(), onDidChangeStatus: () => () => {} },
  });
  const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');
  const status = (port: number, token: string) => fetch(`http://127.0.0.1:${port}/api/status`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);

  const first = await start();
  const before = tokenOf(first.url);
  await first.stop();
  const ui = await start();
  t.after(() => ui.stop());
  assert.equal(tokenOf(ui.url), before, 'the same token after a restart: open tabs and bookmarks keep working');
  assert.equal(await status(ui.port, before), 200);

  const r = await fetch(`http://127.0.0.1:${ui.port}/api/ui:rotate-link`, { method: 'POST', headers: { Authorization: `Bearer ${before}`, 'Content-Type': 'application/json' }, body: '{"args":[]}' });
  const rotated = await r.json() as { ok: true; value: { url: string } };
  assert.equal(rotated.ok, true);
  assert.equal(rotated.value.url, ui.url);
  const after = tokenOf(rotated.value.url);
  assert.notEqual(after, before);
  assert.equal(await status(ui.port, before), 401, 'the old link stops working at once');
  assert.equal(await status(ui.port, after), 200);
  assert.equal((await readFile(join(dir, 'ui-token'), 'utf8')).trim(), after, 'and the next start uses the new one');
  assert.ok(redacted.has(after), 'the new token is masked in diagnostics too');
});

test('the desktop app has no dashboard link: rotating it there says so', async (t) => {
  const { deps } = await handlerDeps(t);
  const r = await createApiHandlers(deps)['ui:rotate-link']();
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'no-link');
  assert.match(r.error.fix ?? '', /portico ui-link --rotate/);
});
