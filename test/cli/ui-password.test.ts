import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../../main/cli/portico.ts';
import { UiPassword } from '../../main/core/ui/ui-password.ts';
import { ok } from '../../main/shared/result.ts';
import type { CliIo } from '../../main/cli/io.ts';
import { configFile, okHandlers, runningDashboard } from './cli-fixtures.ts';

/** `portico ui-password` with `input` piped in on stdin. */
async function run(input: string | null, ...args: string[]) {
  const stdout: string[] = [], stderr: string[] = [];
  const io: CliIo = { out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {}, stdin: input === null ? undefined : Readable.from([input]) };
  const code = await main(['ui-password', ...args], io);
  return { code, out: stdout.join('\n'), err: stderr.join('\n') };
}

test('portico ui-password takes the password from stdin, never argv, and keeps only its hash (0600)', async (t) => {
  const { file, dataDir } = await configFile(t);
  const asArg = await run('', '--config', file, 'hunter2hunter2');
  assert.equal(asArg.code, 2, 'a password as an argument is refused (shell history, ps)');
  assert.match(asArg.err, /unknown option "hunter2hunter2"/);
  assert.doesNotMatch(asArg.err + asArg.out, /hash/);

  const empty = await run('', '--config', file);
  assert.equal(empty.code, 2);
  assert.match(empty.err, /no password given; type it at the prompt, or pipe it in/);

  const short = await run('short\n', '--config', file);
  assert.equal(short.code, 2);
  assert.match(short.err, /too short: use at least 8 characters.*Nothing was changed/);
  assert.equal(await UiPassword.load(dataDir), undefined);

  const r = await run('correct horse battery\nignored second line\n', '--config', file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Password set .*`portico serve` uses it from its next start/);
  assert.match(r.out, /is off: turn it on in the dashboard/);
  assert.doesNotMatch(r.out + r.err, /correct horse/);
  const path = join(dataDir, 'ui-password');
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const record = await UiPassword.load(dataDir);
  assert.ok(record);
  assert.equal(await UiPassword.verify(record, 'correct horse battery'), true);
  assert.equal(await UiPassword.verify(record, 'ignored second line'), false);
});

test('portico ui-password next to a running service sets it through the service', async (t) => {
  const { port, file, dataDir } = await configFile(t);
  const seen: unknown[] = [];
  const handlers = okHandlers();
  handlers['ui:lan-update'] = (change) => {
    seen.push(change);
    return ok({ enabled: true, passwordSet: true, passwordSetAt: null, urls: [], problem: null });
  };
  await runningDashboard(t, dataDir, port, handlers);
  const r = await run('correct horse battery\n', '--config', file);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /The running service uses it now; devices signed in before must sign in again/);
  assert.doesNotMatch(r.out, /is off/);
  assert.deepEqual(seen, [{ password: 'correct horse battery' }]);
  assert.equal(await UiPassword.load(dataDir), undefined, 'the service, not the command, writes the file');
});
