/**
 * The icons each OS picks from: Windows chooses the .ico entry for the display's scale (100 % to
 * 400 % of 16 px in the tray), macOS and Linux load `@2x` PNGs on high-DPI screens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appPaths, trayIconFiles } from '../../main/app/app-paths.ts';

const resources = appPaths(new URL('../../dist/main/app', import.meta.url).pathname).resourcesDir;

/** The pixel sizes in an ICO's directory (a 0 byte means 256). */
function icoSizes(file: string): number[] {
  const d = readFileSync(file);
  assert.equal(d.readUInt16LE(2), 1, `${file} is an icon file`);
  return Array.from({ length: d.readUInt16LE(4) }, (_, i) => d[6 + 16 * i] || 256);
}

const pngSize = (file: string) => {
  const d = readFileSync(file);
  assert.equal(d.subarray(1, 4).toString('latin1'), 'PNG', `${file} is a PNG`);
  return { width: d.readUInt32BE(16), height: d.readUInt32BE(20) };
};

test('Windows: the app icon goes up to 256 px, each tray icon covers 100 %–400 % scaling', () => {
  assert.deepEqual(icoSizes(join(resources, 'icon.ico')), [16, 24, 32, 48, 64, 128, 256]);
  for (const f of trayIconFiles().filter((f) => f.endsWith('.ico'))) assert.deepEqual(icoSizes(join(resources, f)), [16, 20, 24, 32, 40, 48, 64], f);
});

test('macOS and Linux: every tray PNG, plain and macOS template, has an @2x twice its size', () => {
  const pngs = trayIconFiles().filter((f) => f.endsWith('.png') && !f.includes('@2x'));
  assert.ok(pngs.some((f) => f.endsWith('Template.png')) && pngs.some((f) => !f.endsWith('Template.png')));
  for (const f of pngs) {
    const one = pngSize(join(resources, f)), two = pngSize(join(resources, f.replace('.png', '@2x.png')));
    assert.deepEqual(two, { width: one.width * 2, height: one.height * 2 }, f);
  }
  assert.ok(pngSize(join(resources, 'icon.png')).width >= 512, 'the app icon is large enough for macOS and Linux');
});
