import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { DataDir } from '../../../main/core/support/data-dir.ts';

const posix = process.platform !== 'win32';
const mode = async (p: string) => (await stat(p)).mode & 0o777;

test('a new data directory is created private (0700)', { skip: !posix }, async (t) => {
  const root = join(await tmpDir(t), 'a', 'data');
  assert.deepEqual(await new DataDir(root).ensure(), { repaired: false });
  assert.equal(await mode(root), 0o700);
});

test('an existing group- or world-writable data directory of ours is repaired to 0700', { skip: !posix }, async (t) => {
  for (const m of [0o777, 0o770, 0o757]) {
    const root = join(await tmpDir(t), 'data');
    await mkdir(root);
    await chmod(root, m);
    assert.deepEqual(await new DataDir(root).ensure(), { repaired: true }, m.toString(8));
    assert.equal(await mode(root), 0o700);
  }
});

test('a data directory only its owner can write is left as it is', { skip: !posix }, async (t) => {
  const root = join(await tmpDir(t), 'data');
  await mkdir(root);
  await chmod(root, 0o755);
  assert.deepEqual(await new DataDir(root).ensure(), { repaired: false });
  assert.equal(await mode(root), 0o755);
});

test('a writable data directory owned by someone else is refused with the fix, and left untouched', { skip: !posix || process.getuid?.() !== 0 }, async (t) => {
  // Needs root to hand the directory to another user (the tests run as root here).
  const root = join(await tmpDir(t), 'data');
  await mkdir(root);
  await chown(root, 65534, 65534);
  await chmod(root, 0o777);
  await assert.rejects(new DataDir(root).ensure(), (e: Error) => {
    assert.match(e.message, /can be written by other users \(mode 777\) and belongs to user id 65534/);
    assert.match(e.message, new RegExp(`chmod 700 ${root}`));
    assert.match(e.message, /set "dataDir"/);
    return true;
  });
  assert.equal(await mode(root), 0o777);
});

test('a data directory that is a file is refused', { skip: !posix }, async (t) => {
  const dir = await tmpDir(t);
  await writeFile(join(dir, 'data'), '');
  await assert.rejects(new DataDir(join(dir, 'data')).ensure(), /set "dataDir"/);
});

test('certificate sets: one directory per first name, wildcards spelled safely, previous/ inside', () => {
  const d = new DataDir('/data');
  assert.equal(d.certSet(['plex.example.com', 'b.example.com']).dir, join('/data', 'certs', 'plex.example.com'));
  assert.equal(d.certSet(['*.example.com']).dir, join('/data', 'certs', '_wildcard.example.com'));
  assert.equal(d.certSet(['../../etc']).dir, join('/data', 'certs', '.._.._etc'));
  assert.equal(d.certSet(['a.example.com']).previous.cert, join('/data', 'certs', 'a.example.com', 'previous', 'cert.pem'));
});
