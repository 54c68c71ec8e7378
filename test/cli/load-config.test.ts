import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../main/cli/load-config.ts';
import { FileSecretStore } from '../../main/core/support/secret-store.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';

function bufferIo(): CliIo & { errors: string[] } {
  const errors: string[] = [];
  return { errors, out: () => {}, err: (l) => errors.push(l), env: {} };
}

test('CLI commands see the DNS token the wizard moved into the secret store, not its reference', async (t) => {
  const dir = await tmpDir(t);
  const dataDir = join(dir, 'data');
  await new FileSecretStore(join(dataDir, 'secrets.json')).set('dns.duckdns.token', 'the-real-duckdns-token');
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ domains: ['me.duckdns.org'], dataDir, dns: { provider: { kind: 'duckdns', token: '@secret:dns.duckdns.token' } } }));
  const io = bufferIo();
  const loaded = await loadConfig(file, io);
  assert.ok(loaded, io.errors.join('\n'));
  assert.deepEqual(loaded.config.dns.provider, { kind: 'duckdns', token: 'the-real-duckdns-token' });
});

test('a missing stored secret is one clear line naming the key', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ domains: ['me.duckdns.org'], dataDir: join(dir, 'data'), dns: { provider: { kind: 'duckdns', token: '@secret:gone' } } }));
  const io = bufferIo();
  assert.equal(await loadConfig(file, io), null);
  assert.equal(io.errors.length, 1);
  assert.match(io.errors[0]!, /^config: dns\.provider\.token: .*missing from the secret store/);
});

test('setup pending is accepted only where asked for', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ dataDir: join(dir, 'data') }));
  const strict = bufferIo();
  assert.equal(await loadConfig(file, strict), null);
  assert.match(strict.errors[0]!, /^config: domains: is required/);
  const lenient = await loadConfig(file, bufferIo(), { requireDomains: false });
  assert.deepEqual(lenient?.config.domains, []);
});

test('every problem is one line naming the key, and a newer document says so once', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'portico.json');
  await writeFile(file, JSON.stringify({ domains: 'plex.example.com', door: { htps: [8443], bind: 'localhost' }, plex: { url: 'http://me:hunter2@127.0.0.1:32400' }, ui: { port: 8080 } }));
  const io = bufferIo();
  assert.equal(await loadConfig(file, io), null);
  assert.deepEqual(io.errors.map((l) => l.split(':').slice(0, 2).join(':')), ['config: domains', 'config: door.bind', 'config: door.htps', 'config: plex.url', 'config: ui.port']);
  assert.match(io.errors[2]!, /did you mean door\.httpsPorts\?$/);
  assert.ok(!io.errors.join('\n').includes('hunter2'), 'the password is never echoed');

  await writeFile(file, JSON.stringify({ schemaVersion: 2, domains: ['plex.example.com'] }));
  const newer = bufferIo();
  assert.equal(await loadConfig(file, newer), null);
  assert.equal(newer.errors.length, 1);
  assert.match(newer.errors[0]!, /^config: schemaVersion: was written by a newer Portico/);
});
