/**
 * The desktop app's service start-up without Electron: a real config file, the core's Service
 * with its door on free loopback ports, the stores and the API handlers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { startAppService } from '../../main/app/start-app-service.ts';
import { silentLogger } from '../../main/core/logger.ts';
import { MemorySecretStore } from '../../main/core/secret-store.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';
import { freePort } from '../helpers/free-port.ts';

test('the app starts the core service from its config file and answers the contract', async (t) => {
  const dir = await tmpDir(t);
  const path = `${dir}/config.json`;
  await writeFile(path, JSON.stringify({ schemaVersion: 1, domains: ['plex.example.com'], door: { bind: '127.0.0.1', httpsPorts: [await freePort()], httpPort: null } }));
  const svc = await startAppService({ configFile: { kind: 'ready', path }, dataDir: dir, secrets: new MemorySecretStore(), logger: silentLogger });
  t.after(() => svc.stop());
  const s = svc.getStatus();
  assert.equal(s.door.state, 'running');
  assert.deepEqual(s.domains, ['plex.example.com']);
  assert.deepEqual((await svc.handlers['config:get']()).domains, ['plex.example.com']);
  const w = await svc.handlers['wizard:save']({ step: 'router', completed: ['welcome'], finished: false });
  assert.equal(w.step, 'router');
  assert.equal((await svc.handlers['wizard:get']()).step, 'router');
  const renew = await svc.handlers['cert:renew']({ force: true });
  assert.equal(renew.ok, false);
  assert.ok(!renew.ok && renew.error.fix, 'a part that is not running says what to do');
});

test('the app refuses to start on a missing domain or an invalid file, saying what to do', async () => {
  const base = { dataDir: '/nonexistent', secrets: new MemorySecretStore(), logger: silentLogger };
  await assert.rejects(startAppService({ ...base, configFile: { kind: 'needs-setup', path: '/x/config.json' } }), /No domain is configured yet\. Add "domains"/);
  await assert.rejects(startAppService({ ...base, configFile: { kind: 'invalid', path: '/x/config.json', problems: [{ key: 'door.httpPort', message: 'must be a port' }] } }), /door\.httpPort: must be a port\. Fix or remove the file/);
});
