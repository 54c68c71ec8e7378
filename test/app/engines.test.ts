/**
 * "A supported system" is Node.js at or above package.json's `engines.node`, as the `node` npm
 * itself runs on (docs/install.md). npm prints EBADENGINE for every installed package whose
 * `engines.node` that Node does not satisfy, so on a supported system `npm ci` and `npx portico`
 * stay quiet only while every package in the lock accepts the minimum and the Node the project
 * brings (the `node` devDependency). The docs, .nvmrc and CI name the same versions. npm 11.16+
 * also lists every dependency whose install script `allowScripts` does not name (npm 12 skips them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string>; allowScripts?: Record<string, boolean> };
const lock = JSON.parse(readFileSync(`${root}package-lock.json`, 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[]; hasInstallScript?: boolean }> };

type Version = [number, number, number];

function parse(v: string): Version {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(v);
  if (!m) throw new Error(`not a version: ${v}`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}
const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/**
 * Does `v` satisfy an npm `engines.node` range? The forms found in lock files: `||`, space-joined
 * comparators (`>= 10`, `<7`), `^`, `~`, partial versions (`18`, `6.*`, `10.x`) and `*`.
 * Anything else throws, so a new form fails here instead of passing unread.
 */
function satisfies(v: Version, range: string): boolean {
  return range.split('||').some((alt) => {
    const parts = alt.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/).filter(Boolean);
    return parts.every((c) => {
      if (c === '*' || c === 'x') return true;
      const m = /^(>=|<=|>|<|=|\^|~)?v?(\d+(?:\.(?:\d+|[x*]))*)$/.exec(c);
      if (!m) throw new Error(`engines range not understood: "${range}"`);
      const op = m[1] ?? '';
      const pieces = m[2]!.split('.').filter((p) => p !== 'x' && p !== '*');
      const lo = parse(pieces.join('.'));
      const partial = pieces.length < 3;
      // The first version past a partial (18 -> 19.0.0, 6.1 -> 6.2.0) or a caret/tilde range.
      const next = (level: number): Version => (level === 0 ? [lo[0] + 1, 0, 0] : level === 1 ? [lo[0], lo[1] + 1, 0] : [lo[0], lo[1], lo[2] + 1]);
      switch (op) {
        case '>=': return cmp(v, lo) >= 0;
        case '>': return partial ? cmp(v, next(pieces.length - 1)) >= 0 : cmp(v, lo) > 0;
        case '<': return cmp(v, lo) < 0;
        case '<=': return partial ? cmp(v, next(pieces.length - 1)) < 0 : cmp(v, lo) <= 0;
        case '^': return cmp(v, lo) >= 0 && cmp(v, next(lo[0] > 0 || pieces.length === 1 ? 0 : 1)) < 0;
        case '~': return cmp(v, lo) >= 0 && cmp(v, next(pieces.length === 1 ? 0 : 1)) < 0;
        default: return cmp(v, lo) >= 0 && cmp(v, partial ? next(pieces.length - 1) : next(2)) < 0;
      }
    });
  });
}

const minimum = parse(/^>=\s*([\d.]+)$/.exec(pkg.engines.node)?.[1] ?? 'not ">=x.y"');
const bundled = parse(pkg.devDependencies.node ?? 'no node devDependency');

test('the range reader reads the forms it claims to, and refuses others', () => {
  const v = parse;
  assert.ok(satisfies(v('22.18.0'), '>= 22.12.0') && !satisfies(v('20.20.2'), '>=22.12.0'));
  assert.ok(satisfies(v('22.18.0'), '^20.19.0 || ^22.13.0 || >=24') && !satisfies(v('23.1.0'), '^20.19.0 || ^22.13.0 || >=24'));
  assert.ok(satisfies(v('24.21.0'), '18 || 20 || >=22') && !satisfies(v('21.0.0'), '18 || 20 || >=22'));
  assert.ok(satisfies(v('22.18.0'), '>=6 <7 || >=8') && !satisfies(v('7.5.0'), '>=6 <7 || >=8'));
  assert.ok(satisfies(v('22.18.0'), '6.* || 8.* || >= 10.*') && satisfies(v('14.2.0'), '>=16 || 14 >=14.17') === false);
  assert.ok(satisfies(v('1.2.9'), '~1.2.3') && !satisfies(v('1.3.0'), '~1.2.3') && satisfies(v('0.2.5'), '^0.2.1') && !satisfies(v('0.3.0'), '^0.2.1'));
  assert.throws(() => satisfies(v('22.0.0'), 'node >= 22'), /not understood/);
});

test('on a supported Node no package in the lock is outside its engines: npm ci and npx print no EBADENGINE', () => {
  assert.ok(satisfies(bundled, pkg.engines.node), `the Node the project brings (${pkg.devDependencies.node}) is itself supported (${pkg.engines.node})`);
  const refuse: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!range) continue;
    for (const [label, version] of [['the minimum', minimum], ['the bundled Node', bundled]] as const) {
      if (!satisfies(version, range)) refuse.push(`${path || 'portico'} needs node ${range}, which ${label} (${version.join('.')}) is not`);
    }
  }
  assert.deepEqual(refuse, [], 'raise engines.node in package.json (and the docs) to what the dependencies need, or keep the older dependency');
});

test('every dependency with an install script is reviewed in allowScripts, so npm ci lists none (and npm 12 still runs them)', () => {
  const withScripts = Object.entries(lock.packages).filter(([, e]) => e.hasInstallScript).map(([path]) => path.replace(/^.*node_modules\//, ''));
  assert.ok(withScripts.includes('node'), 'the bundled Node is installed by its preinstall script');
  const allowed = new Set(Object.entries(pkg.allowScripts ?? {}).filter(([, yes]) => yes).map(([k]) => k.replace(/(.)@.*$/, '$1')));
  assert.deepEqual(withScripts.filter((name) => !allowed.has(name)), [], 'review the new install script, then `npm install-scripts approve <name>`');
});

test('the docs, .nvmrc and CI name the same Node versions as package.json', () => {
  const min = `${minimum[0]}.${minimum[1]}`;
  const install = readFileSync(`${root}docs/install.md`, 'utf8');
  assert.match(install, new RegExp(`## Supported Node\\.js[^]*?Node\\.js ${min.replace('.', '\\.')} or newer`), 'docs/install.md says what a supported system is');
  for (const file of ['README.md', 'docs/install.md', 'docs/headless.md']) {
    const stated = [...readFileSync(`${root}${file}`, 'utf8').matchAll(/Node(?:\.js)?\s*(?:≥|>=)\s*(\d+\.\d+)|Node(?:\.js)? (\d+\.\d+) or newer/g)].map((m) => m[1] ?? m[2]);
    assert.deepEqual([...new Set(stated)].filter((s) => s !== min), [], `${file} states the minimum as ${min}`);
  }
  assert.equal(readFileSync(`${root}.nvmrc`, 'utf8').trim(), String(bundled[0]), '.nvmrc names the major of the `node` devDependency');
  for (const wf of ['ci.yml', 'release.yml']) {
    const versions = [...readFileSync(`${root}.github/workflows/${wf}`, 'utf8').matchAll(/node-version:\s*['"]?(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(versions.length > 0 && versions.every((n) => n === bundled[0]), `${wf} sets up Node ${bundled[0]} (found ${versions.join(', ')})`);
  }
});
