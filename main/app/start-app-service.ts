/**
 * Builds the service for the desktop app from the config file electron-store located, with
 * secrets in the OS keychain: the core's Service (the same composition root `portico serve`
 * uses) plus the config, wizard and event stores and the API handlers over them. Parts the
 * core's Service does not run yet answer the UI with a 'not-available' value that says so.
 */
import { createApiHandlers } from '../core/api-handlers.ts';
import { systemClock } from '../core/clock.ts';
import { ConfigStore } from '../core/config-store.ts';
import { EventLog } from '../core/event-log.ts';
import type { Logger } from '../core/logger.ts';
import type { SecretStore } from '../core/secret-store.ts';
import { Service } from '../core/service.ts';
import { porticoVersion } from '../core/version.ts';
import { WizardStore } from '../core/wizard-store.ts';
import type { AppConfigFile } from './app-config.ts';
import type { AppService } from './app-service.ts';

export interface StartAppServiceOptions {
  configFile: AppConfigFile;
  dataDir: string;
  secrets: SecretStore;
  logger: Logger;
}

export async function startAppService(opts: StartAppServiceOptions): Promise<AppService> {
  const file = opts.configFile;
  if (file.kind === 'invalid') {
    throw new Error(`The settings file ${file.path} is not valid: ${file.problems.map((p) => `${p.key}: ${p.message}`).join('; ')}. Fix or remove the file, then start Portico again.`);
  }
  if (file.kind === 'needs-setup') {
    // The shared schema requires a domain, so the core cannot start without one yet (see docs/app.md).
    throw new Error(`No domain is configured yet. Add "domains": ["plex.example.com"] to ${file.path} (or run \`portico serve --config FILE\`), then start Portico again.`);
  }
  const opened = await ConfigStore.open({ path: file.path, dataDir: opts.dataDir, secrets: opts.secrets });
  if (!opened.ok) throw new Error(`The settings in ${file.path} are not valid: ${opened.error.map((p) => `${p.key}: ${p.message}`).join('; ')}.`);
  const configStore = opened.value;
  const service = new Service({ config: configStore.get(), logger: opts.logger, clock: systemClock, secrets: opts.secrets });
  await service.start();
  const events = new EventLog({ clock: systemClock });
  const handlers = createApiHandlers({
    getStatus: () => service.getStatus(),
    configStore,
    wizardStore: new WizardStore(opts.dataDir),
    events,
    versions: { portico: porticoVersion(), electron: process.versions.electron ?? 'unknown', node: process.versions.node, platform: `${process.platform}-${process.arch}` },
    now: () => systemClock.now(),
    logger: opts.logger,
  });
  return {
    handlers,
    getStatus: () => service.getStatus(),
    onDidChangeStatus: (fn) => service.onDidChangeStatus(fn),
    onDidAddEvent: (fn) => events.onDidAdd(fn),
    stop: () => service.stop(),
  };
}
