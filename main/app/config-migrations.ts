/**
 * Migrations of the config document the app keeps in electron-store. We keep our own
 * `schemaVersion` (electron-store's own migrations have known bugs) and migrate step by step, so
 * a document from any older Portico becomes current before the shared schema validates it.
 */
import { CONFIG_SCHEMA_VERSION } from '../shared/config.ts';

type Doc = Record<string, unknown>;

/** MIGRATIONS[n] turns a version-n document into version n+1. Version 0 = written before versions existed. */
const MIGRATIONS: Record<number, (d: Doc) => Doc> = {
  0: (d) => ({ ...d, schemaVersion: 1 }),
};

export type MigrationResult =
  | { kind: 'current'; doc: Doc }
  | { kind: 'migrated'; doc: Doc; from: number }
  | { kind: 'too-new'; version: number };

export function migrateConfigDocument(input: Doc): MigrationResult {
  const raw = input.schemaVersion;
  const from = typeof raw === 'number' && Number.isInteger(raw) ? raw : 0;
  if (from > CONFIG_SCHEMA_VERSION) return { kind: 'too-new', version: from };
  if (from === CONFIG_SCHEMA_VERSION) return { kind: 'current', doc: input };
  let doc = { ...input };
  for (let v = from; v < CONFIG_SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new Error(`No migration from config version ${v}; this is a Portico bug — please report it.`);
    doc = step(doc);
  }
  return { kind: 'migrated', doc, from };
}
