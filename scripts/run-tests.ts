// Runs the test suite with Node's own runner on the TypeScript sources (Node >= 22.18 strips
// types). Usage: node scripts/run-tests.ts [path-or-glob ...]   (default: every test/**/*.test.ts)
// Test files run one at a time: many start real peers (pebble, bind9, miniupnpd, chromium).
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const targets = args.length ? args.map((a) => (a.endsWith('.ts') ? a : `${a.replace(/\/$/, '')}/**/*.test.ts`)) : ['test/**/*.test.ts'];
const r = spawnSync(process.execPath, [
  '--test',
  '--test-concurrency=1',
  '--test-timeout=600000',
  '--test-reporter=spec',
  ...targets,
], { stdio: 'inherit', cwd: new URL('..', import.meta.url).pathname });
process.exit(r.status ?? 1);
