import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrateConfigDocument } from '../../../main/core/state/config-migrations.ts';
import { CONFIG_SCHEMA_VERSION, parseConfig } from '../../../main/shared/config.ts';

test('migrations: a document without a version becomes current and still validates', () => {
  const m = migrateConfigDocument({ domains: ['plex.example.com'], door: { httpsPorts: [8443] } });
  assert.equal(m.kind, 'migrated');
  assert.ok(m.kind === 'migrated');
  assert.equal(m.from, 0);
  assert.equal(m.doc.schemaVersion, CONFIG_SCHEMA_VERSION);
  assert.deepEqual(m.doc.door, { httpsPorts: [8443] }, 'other keys are kept');
  assert.equal(parseConfig(m.doc).ok, true);
});

test('migrations: a current document is left alone; a newer one is refused, not rewritten', () => {
  const cur = { schemaVersion: CONFIG_SCHEMA_VERSION, domains: ['a.example.com'] };
  assert.deepEqual(migrateConfigDocument(cur), { kind: 'current', doc: cur });
  const newer = migrateConfigDocument({ schemaVersion: CONFIG_SCHEMA_VERSION + 1 });
  assert.ok(newer.kind === 'too-new');
  assert.equal(newer.version, CONFIG_SCHEMA_VERSION + 1);
  assert.equal(newer.problem.key, 'schemaVersion');
  assert.match(newer.problem.message, /newer Portico .*install the newer Portico again/);
});

test('migrations: a schemaVersion that is not a number is left for the schema to name', () => {
  const doc = { schemaVersion: 'one', domains: ['a.example.com'] };
  assert.deepEqual(migrateConfigDocument(doc), { kind: 'current', doc });
  const r = parseConfig(doc);
  assert.ok(!r.ok);
  assert.match(r.error[0]!.message, /^must be 1 \(this Portico does not know version one\)/);
});
