import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_WINDOW_SIZE, readWindowSize, restoredWindowSize, writeWindowSize } from '../../main/app/window-state.ts';
import { tmpDir } from '../helpers/tmp-dir.ts';

const screen = { width: 1920, height: 1040 };

test('a saved size comes back; no file or a broken one gives the default size', async (t) => {
  const dir = await tmpDir(t);
  const file = join(dir, 'window-state.json');
  assert.deepEqual(await readWindowSize(file, screen), DEFAULT_WINDOW_SIZE);
  await writeWindowSize(file, { width: 1300, height: 900 });
  assert.deepEqual(await readWindowSize(file, screen), { width: 1300, height: 900 });
  writeFileSync(file, '{"width": 13');
  assert.deepEqual(await readWindowSize(file, screen), DEFAULT_WINDOW_SIZE);
});

test('sizes are clamped to the screen and the minimum; nonsense is ignored', () => {
  assert.deepEqual(restoredWindowSize({ width: 3000, height: 2000 }, screen), screen, 'from a bigger monitor');
  assert.deepEqual(restoredWindowSize({ width: 100, height: 50 }, screen), { width: 480, height: 400 });
  assert.deepEqual(restoredWindowSize({ width: 'wide', height: 900 }, screen), { width: 1100, height: 800 });
  assert.deepEqual(restoredWindowSize({ width: -5, height: Infinity }, screen), { width: 1100, height: 800 });
  assert.deepEqual(restoredWindowSize(null, { width: 800, height: 600 }), { width: 800, height: 600 }, 'the default never exceeds a small screen');
  assert.deepEqual(restoredWindowSize({ width: 1000, height: 700 }, { width: 300, height: 300 }), { width: 480, height: 400 }, 'never below the minimum');
});
