import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrateConfigDocument } from '../../main/app/config-migrations.ts';
import { CONFIG_SCHEMA_VERSION, parseConfig } from '../../main/shared/config.ts';

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
  assert.deepEqual(migrateConfigDocument({ schemaVersion: CONFIG_SCHEMA_VERSION + 1 }), { kind: 'too-new', version: CONFIG_SCHEMA_VERSION + 1 });
});
