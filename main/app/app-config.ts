/**
 * Where the app keeps its config: electron-store's file in the per-user app data folder. We read
 * it through electron-store, migrate with our own schemaVersion, validate with the shared schema,
 * and hand the file's path to the core's ConfigStore, which owns all later (atomic) writes.
 */
import Store from 'electron-store';
import { parseConfig, type ConfigProblem } from '../shared/config.ts';
import { migrateConfigDocument } from '../core/state/config-migrations.ts';

export type AppConfigFile =
  | { kind: 'ready'; path: string }
  | { kind: 'needs-setup'; path: string }
  | { kind: 'invalid'; path: string; problems: ConfigProblem[] };

export function openAppConfigFile(): AppConfigFile {
  const store = new Store<Record<string, unknown>>({ name: 'config', clearInvalidConfig: false, accessPropertiesByDotNotation: false });
  const m = migrateConfigDocument(store.store);
  if (m.kind === 'too-new') {
    return { kind: 'invalid', path: store.path, problems: [m.problem] };
  }
  if (m.kind === 'migrated') store.store = m.doc;
  const domains = m.doc.domains;
  if (!Array.isArray(domains) || domains.length === 0) return { kind: 'needs-setup', path: store.path };
  const parsed = parseConfig(m.doc);
  return parsed.ok ? { kind: 'ready', path: store.path } : { kind: 'invalid', path: store.path, problems: parsed.error };
}
