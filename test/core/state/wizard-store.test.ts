import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WizardStore } from '../../../main/core/state/wizard-store.ts';
import type { WizardState } from '../../../main/shared/api.ts';
import { tmpDir } from '../../helpers/tmp-dir.ts';

test('starts at welcome, remembers progress across instances, and cleans what it stores', async (t) => {
  const dir = await tmpDir(t);
  const a = new WizardStore(dir);
  assert.deepEqual(await a.get(), { step: 'welcome', completed: [], finished: false });
  const saved = await a.save({ step: 'router', completed: ['domain', 'welcome', 'plex', 'plex', 'bogus'] as WizardState['completed'], finished: false });
  assert.deepEqual(saved, { step: 'router', completed: ['welcome', 'plex', 'domain'], finished: false });
  assert.deepEqual(await new WizardStore(dir).get(), saved, 'a restarted service resumes where the user left');
  assert.equal((await stat(join(dir, 'wizard.json'))).mode & 0o777, 0o600);
  assert.equal((await a.save({ step: 'nowhere', completed: [], finished: 'yes' } as unknown as WizardState)).step, 'welcome');
});

test('a corrupt file means a fresh start, not a crash', async (t) => {
  const dir = await tmpDir(t);
  await writeFile(join(dir, 'wizard.json'), '{not json');
  assert.deepEqual(await new WizardStore(dir).get(), { step: 'welcome', completed: [], finished: false });
});
