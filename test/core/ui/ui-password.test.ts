import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCRYPT_PARAMS, UiPassword } from '../../../main/core/ui/ui-password.ts';
import { passwordProblem } from '../../../main/shared/lan-password.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

test('the password is kept as an scrypt hash with a random salt and its parameters, 0600; only the right password matches', async (t) => {
  const dir = await tmpDir(t);
  const a = await UiPassword.save(dir, 'correct horse battery');
  assert.deepEqual({ N: a.N, r: a.r, p: a.p }, SCRYPT_PARAMS);
  assert.deepEqual(SCRYPT_PARAMS, { N: 32768, r: 8, p: 3 }, 'the parameters docs/headless.md names');
  assert.equal((await stat(join(dir, 'ui-password'))).mode & 0o777, 0o600);
  const text = await readFile(join(dir, 'ui-password'), 'utf8');
  assert.ok(!text.includes('correct horse'));
  const loaded = await UiPassword.load(dir);
  assert.deepEqual(loaded, a);
  assert.equal(await UiPassword.verify(loaded!, 'correct horse battery'), true);
  for (const wrong of ['correct horse batter', 'Correct horse battery', '', 'x'.repeat(5000)]) assert.equal(await UiPassword.verify(loaded!, wrong), false, wrong.slice(0, 20));
  const b = await UiPassword.hash('correct horse battery');
  assert.notEqual(b.salt, a.salt);
  assert.notEqual(b.hash, a.hash, 'the same password hashes differently with another salt');
  // A damaged file is no password (set a new one), never an error at start.
  await writeFile(join(dir, 'ui-password'), '{"scheme":"md5","hash":"x"}');
  assert.equal(await UiPassword.load(dir), undefined);
  await assert.rejects(UiPassword.save(dir, 'short'), /too short/);
});

test('password rule: at least 8 characters (counted as characters, not bytes), at most 1024', () => {
  assert.equal(passwordProblem(''), 'Enter a password.');
  assert.match(passwordProblem('1234567') ?? '', /at least 8 characters/);
  assert.equal(passwordProblem('12345678'), undefined);
  assert.match(passwordProblem('😀😀😀😀') ?? '', /too short/, 'four emoji are four characters');
  assert.match(passwordProblem('x'.repeat(1025)) ?? '', /too long/);
});
