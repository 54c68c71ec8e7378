/**
 * Builds the service for the desktop app from the config file electron-store located, with
 * secrets in the OS keychain: the core's Service (the same composition `portico serve` runs),
 * whose API handlers the IPC registration serves. Without a domain yet it starts "setup pending"
 * and the wizard chooses one.
 */
import { systemClock } from '../core/support/clock.ts';
import { ConfigStore } from '../core/state/config-store.ts';
import type { Logger } from '../core/support/logger.ts';
import type { SecretStore } from '../core/support/secret-store.ts';
import { Service, type ServiceOptions } from '../core/service/service.ts';
import { DataDir } from '../core/support/data-dir.ts';
import type { AppConfigFile } from './app-config.ts';
import type { AppService } from './app-service.ts';

/**
 * `publicIpCa` (an extra CA for HTTPS what-is-my-IP services) and `extraTrustedCAs` (roots the
 * Verify step trusts) reach the Service exactly as they do for `portico serve` and the demo; the
 * door's certificate fingerprint for the hairpin check is the Service's own.
 */
export interface StartAppServiceOptions extends Pick<ServiceOptions, 'publicIpCa' | 'extraTrustedCAs'> {
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
  if ((await new DataDir(opts.dataDir).ensure()).repaired) opts.logger.warn('the data directory could be written by other users; made it private (0700)', { dataDir: opts.dataDir });
  const opened = await ConfigStore.open({ path: file.path, dataDir: opts.dataDir, secrets: opts.secrets, requireDomains: false, missingOk: true });
  if (!opened.ok) throw new Error(`The settings in ${file.path} are not valid: ${opened.error.map((p) => `${p.key}: ${p.message}`).join('; ')}.`);
  const service = new Service({
    configStore: opened.value, dataDir: opts.dataDir, secrets: opts.secrets, logger: opts.logger, clock: systemClock,
    ...(opts.publicIpCa ? { publicIpCa: opts.publicIpCa } : {}), ...(opts.extraTrustedCAs ? { extraTrustedCAs: opts.extraTrustedCAs } : {}),
  });
  await service.start();
  return {
    handlers: service.handlers,
    getStatus: () => service.getStatus(),
    onDidChangeStatus: (fn) => service.onDidChangeStatus(fn),
    onDidAddEvent: (fn) => service.events.onDidAdd(fn),
    stop: () => service.stop(),
  };
}
