/** `portico doctor` argument and config errors (no network needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../../main/cli/portico.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['doctor', ...args], { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out, err };
}

test('unknown option and bad config exit 2 with one line per problem', async (t) => {
  const r = await run(['--frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.err[0]!, /unknown option "--frobnicate"; usage: portico doctor \[--json\] --config FILE/);
  const dir = await tmpDir(t);
  const f = join(dir, 'c.json');
  await writeFile(f, JSON.stringify({ domains: ['plex.example.com'], router: { mode: 'sometimes' } }));
  const b = await run(['--config', f]);
  assert.equal(b.code, 2);
  assert.deepEqual(b.err, ['config: router.mode: must be one of "auto", "upnp", "natpmp", "pcp", "manual", "off"']);
});
