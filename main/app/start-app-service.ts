/**
 * Builds the service for the desktop app from the config file electron-store located, with
 * secrets in the OS keychain. The composition itself is the core's (the same one `portico serve`
 * uses); this file only adapts its inputs.
 */
import type { SecretStore } from '../core/secret-store.ts';
import type { Logger } from '../core/logger.ts';
import type { AppConfigFile } from './app-config.ts';
import type { AppService } from './app-service.ts';

export interface StartAppServiceOptions {
  configFile: AppConfigFile;
  dataDir: string;
  secrets: SecretStore;
  logger: Logger;
  rendererDir: string;
}

export async function startAppService(opts: StartAppServiceOptions): Promise<AppService> {
  if (opts.configFile.kind === 'invalid') {
    throw new Error(`The settings file ${opts.configFile.path} is not valid: ${opts.configFile.problems.map((p) => `${p.key}: ${p.message}`).join('; ')}. Fix or remove the file, then start Portico again.`);
  }
  // Not wired yet: the core has no service composition root (main/core/service.ts) to call. See docs/app.md.
  throw new Error('The Portico service composition is not available in this build; run `portico serve` for the headless dashboard.');
}
