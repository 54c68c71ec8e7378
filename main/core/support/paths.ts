import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-OS application data directory, used when the config leaves `dataDir` null. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Portico');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Portico');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'portico');
}
