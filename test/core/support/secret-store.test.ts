import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { FileSecretStore } from '../../../main/core/support/secret-store.ts';

test('secrets are kept in a 0600 file and read back by a new store', async (t) => {
  const dir = await tmpDir(t);
  const path = join(dir, 'secrets.json');
  await new FileSecretStore(path).set('plex-token', 'tok-1');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal(await new FileSecretStore(path).get('plex-token'), 'tok-1');
});

test('a secrets file that is a symbolic link is refused, not followed, and its target is left alone', { skip: process.platform === 'win32' }, async (t) => {
  const dir = await tmpDir(t);
  const elsewhere = join(dir, 'chosen-by-someone-else.json');
  await writeFile(elsewhere, JSON.stringify({ 'plex-token': 'planted' }));
  const path = join(dir, 'secrets.json');
  await symlink(elsewhere, path);
  const store = new FileSecretStore(path);
  await assert.rejects(store.get('plex-token'), (e: Error) => {
    assert.match(e.message, /secrets\.json is a symbolic link/);
    assert.match(e.message, /Replace the link with the file/);
    return true;
  });
  await assert.rejects(store.set('plex-token', 'real-secret'), /symbolic link/);
  assert.equal(await readFile(elsewhere, 'utf8'), JSON.stringify({ 'plex-token': 'planted' }), 'nothing written through the link');
});
