/**
 * Migrations of the config document, for the app (electron-store's file) and `portico serve`
 * alike. We keep our own `schemaVersion` (electron-store's own migrations have known bugs) and
 * migrate step by step, so a document from any older Portico becomes current before the shared
 * schema validates it.
 */
import { CONFIG_SCHEMA_VERSION, type ConfigProblem } from '../../shared/config.ts';

type Doc = Record<string, unknown>;

/** MIGRATIONS[n] turns a version-n document into version n+1. Version 0 = written before versions existed. */
const MIGRATIONS: Record<number, (d: Doc) => Doc> = {
  0: (d) => ({ ...d, schemaVersion: 1 }),
};

export type MigrationResult =
  | { kind: 'current'; doc: Doc }
  | { kind: 'migrated'; doc: Doc; from: number }
  | { kind: 'too-new'; version: number; problem: ConfigProblem };

export function migrateConfigDocument(input: Doc): MigrationResult {
  const raw = input.schemaVersion;
  // Not a version number at all: left as it is, for the schema to name the problem.
  if (raw !== undefined && !Number.isInteger(raw)) return { kind: 'current', doc: input };
  const from = raw === undefined ? 0 : (raw as number);
  if (from > CONFIG_SCHEMA_VERSION) {
    return { kind: 'too-new', version: from, problem: { key: 'schemaVersion', message: `was written by a newer Portico (version ${from}, this one knows ${CONFIG_SCHEMA_VERSION}); install the newer Portico again` } };
  }
  if (from === CONFIG_SCHEMA_VERSION) return { kind: 'current', doc: input };
  let doc = { ...input };
  for (let v = from; v < CONFIG_SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new Error(`No migration from config version ${v}; this is a Portico bug — please report it.`);
    doc = step(doc);
  }
  return { kind: 'migrated', doc, from };
}
