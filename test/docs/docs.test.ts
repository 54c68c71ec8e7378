/**
 * The README and docs/ as a reader follows them: every link lands on a file and heading that
 * exist, every source path they name is in the repository, the README stays a one-screen
 * overview whose prose is not repeated in docs/ (docs/ is the one copy of the reference), and
 * the README sections that the CLI's messages point at exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (f: string): string => readFileSync(join(root, f), 'utf8');

/** Lines outside fenced code blocks, with their numbers. */
function proseLines(text: string): { n: number; line: string }[] {
  let fenced = false;
  const out: { n: number; line: string }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced) out.push({ n: i + 1, line });
  });
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, _ and - kept), spaces to hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function headings(file: string): Set<string> {
  return new Set(proseLines(read(file)).filter((l) => /^#{1,6} /.test(l.line)).map((l) => anchor(l.line.replace(/^#+ /, ''))));
}

test('anchor() follows GitHub for the heading shapes the docs use', () => {
  assert.equal(anchor('`portico doctor [--json] --config FILE`'), 'portico-doctor---json---config-file');
  assert.equal(anchor('Packaging (`electron-builder.yml`)'), 'packaging-electron-builderyml');
  assert.equal(anchor('What passes through to Plex, and why only that'), 'what-passes-through-to-plex-and-why-only-that');
});

test('every relative link in README.md and docs/ reaches an existing file and heading', () => {
  const broken: string[] = [];
  for (const file of DOCS) {
    for (const { n, line } of proseLines(read(file))) {
      // [text](target) with a target that is a path or #anchor (code such as api['x'](opts) has no ']('-link shape with a dot or #).
      for (const m of line.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target) || !/[.#/]/.test(target)) continue;
        const [path, hash] = target.split('#') as [string, string | undefined];
        const to = path ? normalize(join(dirname(file), path)) : file;
        if (!existsSync(join(root, to))) { broken.push(`${file}:${n} ${target}: no file ${to}`); continue; }
        if (hash && to.endsWith('.md') && !headings(to).has(hash)) broken.push(`${file}:${n} ${target}: no heading #${hash} in ${to}`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('every repository path the docs name in backticks exists', () => {
  // Made by a build, a run or a release, not kept in the repository.
  const generated = /^(bench\/(work|results)|test-results|dist|release|resources\/app\.asar)\b/;
  const missing: string[] = [];
  for (const file of DOCS) {
    for (const { n, line } of proseLines(read(file))) {
      for (const m of line.matchAll(/`((?:main|test|scripts|bench|resources|renderer|docs|bin|\.ci|\.github)\/[^`\s<>*…]*)`/g)) {
        const path = m[1]!.replace(/[.,:;)]+$/, '').split(':')[0]!;
        if (!generated.test(path) && !existsSync(join(root, path))) missing.push(`${file}:${n} ${path}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('the README fits on a screen or two and keeps the two contributor commands CI runs', () => {
  const readme = read('README.md');
  assert.ok(readme.split('\n').length <= 200, `README.md has ${readme.split('\n').length} lines; move reference material into docs/`);
  const ci = read('.ci/run');
  for (const cmd of ['bash scripts/install-system-deps.sh', 'npm ci', 'npm test']) {
    assert.ok(ci.includes(cmd), `.ci/run no longer runs "${cmd}"`);
    assert.ok(readme.includes(cmd), `README.md no longer shows "${cmd}"`);
  }
});

test('no prose line of the README is repeated in docs/', () => {
  const inDocs = new Map<string, string>();
  for (const file of DOCS.filter((f) => f !== 'README.md')) {
    for (const { n, line } of proseLines(read(file))) inDocs.set(line.trim(), `${file}:${n}`);
  }
  const repeated = proseLines(read('README.md'))
    .filter(({ line }) => line.trim().length >= 40 && inDocs.has(line.trim()))
    .map(({ n, line }) => `README.md:${n} = ${inDocs.get(line.trim())}: ${line.trim().slice(0, 60)}`);
  assert.deepEqual(repeated, []);
});

test('the README sections that messages in main/ point at exist', () => {
  const sections = headings('README.md');
  const pointers: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) for (const m of read(p).matchAll(/README\.md, "([^"]+)"/g)) pointers.push(`${relative('.', p)}: ${m[1]!}`);
    }
  };
  walk('main');
  assert.ok(pointers.length > 0, 'expected at least the config message of main/cli/load-config.ts');
  assert.deepEqual(pointers.filter((p) => !sections.has(anchor(p.split(': ')[1]!))), []);
});
