import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { tmpDir } from '../../helpers/tmp-dir.ts';
import { FileLock } from '../../../main/core/support/file-lock.ts';

test('the issuing lock', async (t) => {
  const dir = await tmpDir(t);
  const path = join(dir, 'issue.lock');

  await t.test('one holder at a time; released by its owner only', async () => {
    const a = new FileLock(path), b = new FileLock(path);
    const held = await a.tryAcquire();
    assert.ok(held);
    assert.equal(await b.tryAcquire(), null);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).pid, process.pid);
    await held.release();
    const again = await b.tryAcquire();
    assert.ok(again);
    await again.release();
  });

  await t.test('a lock left by a process that is gone is taken over', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    await writeFile(path, JSON.stringify({ pid, token: 'x', at: Date.now() }));
    const held = await new FileLock(path).tryAcquire();
    assert.ok(held);
    await held.release();
  });

  await t.test('a lock older than the staleness limit is taken over; a fresh one is not', async () => {
    await writeFile(path, JSON.stringify({ pid: process.pid, token: 'x', at: 0 }));
    assert.equal(await new FileLock(path, { staleMs: Number.MAX_SAFE_INTEGER }).tryAcquire(), null);
    const held = await new FileLock(path, { staleMs: 60_000 }).tryAcquire();
    assert.ok(held);
    await held.release();
  });

  await t.test('a corrupt lock file counts as stale', async () => {
    await writeFile(path, '{"pid":');
    const held = await new FileLock(path).tryAcquire();
    assert.ok(held);
    await held.release();
  });
});
