/**
 * The API handlers' dependencies for handler tests, built from a real config with the real
 * managers' `fromConfig` (PMS on a closed port, a CA that refuses at once, router handling off),
 * so nothing here reaches the network; a test replaces only the view it exercises.
 */
import { AlertSender } from '../../../main/core/alerts/alert-sender.ts';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiHandlerDeps } from '../../../main/core/service/api-handlers.ts';
import { ConfigStore } from '../../../main/core/state/config-store.ts';
import { WizardStore } from '../../../main/core/state/wizard-store.ts';
import { EventLog } from '../../../main/core/state/event-log.ts';
import { MemorySecretStore } from '../../../main/core/support/secret-store.ts';
import { silentLogger } from '../../../main/core/support/logger.ts';
import { ChallengeStore } from '../../../main/core/certs/challenge-store.ts';
import { CertManager } from '../../../main/core/certs/cert-manager.ts';
import { PlexManager } from '../../../main/core/plex/plex-manager.ts';
import { RouterManager } from '../../../main/core/network/router-manager.ts';
import { Reachability } from '../../../main/core/network/reachability.ts';
import type { AppStatus } from '../../../main/shared/status.ts';
import { statusChecks } from '../../../main/shared/health.ts';
import { CheckRunner } from '../../../main/core/service/check-runner.ts';
import { serviceProbes } from '../../../main/core/service/probes.ts';
import { healthyStatus } from '../../shared/app-status-fixture.ts';
import { ManualClock } from '../../helpers/manual-clock.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { freePort } from '../../helpers/free-port.ts';

export interface HandlerWorld {
  deps: ApiHandlerDeps;
  store: ConfigStore;
  events: EventLog;
  dir: string;
  /** How often the handlers asked for a status update. */
  changes: { count: number };
  /** How often the handlers started the background work (renewals, router leases). */
  background: { count: number };
}

export async function handlerDeps(t: TestContext, opts: { doc?: object; status?: AppStatus; deps?: Partial<ApiHandlerDeps>; trust?: string[] } = {}): Promise<HandlerWorld> {
  const dir = await tmpDir(t);
  const path = join(dir, 'portico.json');
  const closed = await freePort();
  await writeFile(path, JSON.stringify({
    domains: ['plex.example.com'], door: { bind: '127.0.0.1' }, plex: { url: `http://127.0.0.1:${closed}` },
    acme: { directoryUrl: 'https://127.0.0.1:1/directory' }, router: { mode: 'off' }, ...opts.doc,
  }));
  const secrets = new MemorySecretStore();
  const opened = await ConfigStore.open({ path, dataDir: dir, secrets, requireDomains: false });
  assert.ok(opened.ok, JSON.stringify(!opened.ok && opened.error));
  const store = opened.value;
  const c = store.get();
  const clock = new ManualClock();
  const events = new EventLog({ clock });
  const logger = silentLogger;
  const router = RouterManager.fromConfig(c, { clock, logger });
  const certs = c.domains.length ? CertManager.fromConfig(c, { secrets, challenges: new ChallengeStore(), clock, logger, onCertificate: () => {} }) : null;
  const plex = PlexManager.fromConfig(c, { secrets, logger, clock, tokenSources: [], plexTvBaseUrl: `http://127.0.0.1:${closed}` });
  const reachability = Reachability.fromConfig(c, { router: () => router.getStatus() });
  const status = opts.status ?? healthyStatus();
  const changes = { count: 0 };
  const background = { count: 0 };
  // Verify as the service runs it: the real probes (the CA's outside check has its own test), then every check.
  const runner = new CheckRunner({
    probes: () => serviceProbes({ config: () => store.get(), status: () => status, plex: () => plex, reachability: () => reachability, outside: () => null, extraTrustedCAs: () => opts.trust ?? [], renewalsRunning: () => false }),
    clock, logger, changed: () => {},
  });
  const getStatus = (): AppStatus => ({ ...status, checks: runner.results() });
  const deps: ApiHandlerDeps = {
    getStatus, changed: () => { changes.count++; }, configApplied: async () => {},
    configStore: store, wizardStore: new WizardStore(dir), events,
    plex: () => plex, certs: () => certs, router: () => router, reachability: () => reachability,
    startBackground: async () => { background.count++; },
    verify: async () => { await runner.run({ force: true }); return statusChecks(getStatus(), clock.now()); },
    alerts: () => new AlertSender({ channels: () => store.get().alerts, logger, version: '0.1.0', now: () => clock.now() }),
    versions: { portico: '0.1.0' }, now: () => clock.now(), logger, extraSecrets: () => ['UI-token-secret-xyz'],
    ...opts.deps,
  };
  return { deps, store, events, dir, changes, background };
}
