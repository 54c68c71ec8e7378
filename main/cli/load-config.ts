import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfig, formatProblem, type Config } from '../shared/config.ts';
import { defaultDataDir } from '../core/support/paths.ts';
import { ConfigStore } from '../core/state/config-store.ts';
import { migrateConfigDocument } from '../core/state/config-migrations.ts';
import { FileSecretStore } from '../core/support/secret-store.ts';
import { DataDir } from '../core/support/data-dir.ts';
import type { CliIo } from './io.ts';

export interface LoadedConfig {
  config: Config & { dataDir: string };
  path: string;
  /** The same document through the ConfigStore (what `serve` hands the service, so the wizard can write it back). */
  store: ConfigStore;
  secrets: FileSecretStore;
}

/**
 * Read and validate the config named by --config (or PORTICO_CONFIG), resolving `@secret:`
 * references from the headless secret store (<dataDir>/secrets.json), exactly as the service does.
 * On any problem, print one line per problem naming the key and the fix, and return null (exit 2).
 * `requireDomains: false` accepts a config with no domain yet (setup pending: serve, status).
 */
export async function loadConfig(path: string | undefined, io: CliIo, opts: { requireDomains?: boolean } = {}): Promise<LoadedConfig | null> {
  const requireDomains = opts.requireDomains ?? true;
  const file = path ?? io.env.PORTICO_CONFIG;
  if (!file) {
    io.err('config: no config file given; pass --config FILE (see README.md, "Configuration") or set PORTICO_CONFIG');
    return null;
  }
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(`config: cannot read ${abs} (${code ?? (e as Error).message}); check the path${code === 'EACCES' ? ' and its permissions' : ''}`);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.err(`config: ${abs} is not valid JSON (${(e as Error).message}); fix the syntax (comments and trailing commas are not allowed)`);
    return null;
  }
  // First pass: the shape, and where the data directory (and so the secret store) is.
  const migrated = isDocument(json) ? migrateConfigDocument(json) : null;
  if (migrated?.kind === 'too-new') {
    io.err(formatProblem(migrated.problem));
    return null;
  }
  const r = parseConfig(migrated?.doc ?? json, { requireDomains });
  if (!r.ok) {
    for (const p of r.error) io.err(formatProblem(p));
    return null;
  }
  const dataDir = r.value.dataDir ? resolve(r.value.dataDir) : defaultDataDir(io.env);
  const secrets = new FileSecretStore(new DataDir(dataDir).secrets);
  const opened = await ConfigStore.open({ path: abs, dataDir, secrets, requireDomains });
  if (!opened.ok) {
    for (const p of opened.error) io.err(formatProblem(p));
    return null;
  }
  return { config: opened.value.get(), path: abs, store: opened.value, secrets };
}

function isDocument(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
