import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AppStatus } from '../../main/shared/status.ts';
import { SMOKE_TIMEOUT_MS, smokeVerdict, type SmokeFacts } from '../../main/app/smoke-test.ts';

const door = (state: AppStatus['door']['state'], message?: string) => ({ door: { state, ...(message ? { error: { code: 'EADDRINUSE', message } } : {}) } }) as Pick<AppStatus, 'door'>;
const ready: SmokeFacts = {
  trayCreated: true, window: 'hidden', rendererStatus: { health: { state: 'warning' } } as Pick<AppStatus, 'health'>,
  serviceStatus: door('running'), startupError: null, elapsedMs: 1200,
};

test('everything there: exit 0, and the reason says what was seen', () => {
  assert.deepEqual(smokeVerdict(ready), { kind: 'done', exitCode: 0, reason: 'tray, hidden window, renderer ready (health: warning), door running' });
});

test('still starting: wait; past the timeout: exit 1 naming each missing part', () => {
  const starting: SmokeFacts = { ...ready, trayCreated: false, rendererStatus: null, serviceStatus: door('starting'), elapsedMs: 5000 };
  assert.deepEqual(smokeVerdict(starting), { kind: 'waiting' });
  const late = smokeVerdict({ ...starting, elapsedMs: SMOKE_TIMEOUT_MS });
  assert.equal(late.kind === 'done' && late.exitCode, 1);
  assert.equal(late.kind === 'done' && late.reason, 'timed out after 90 s waiting for the tray icon, the renderer asking for the status over IPC, the service answering with a running door (door: starting)');
  const noWindow = smokeVerdict({ ...ready, window: 'none', serviceStatus: null, elapsedMs: 10 }, 10);
  assert.match(noWindow.kind === 'done' ? noWindow.reason : '', /waiting for the \(hidden\) window, the service answering with a running door \(door: no answer\)$/);
});

test('failures end it at once with the reason: startup error, a visible window, a door that failed', () => {
  assert.deepEqual(smokeVerdict({ ...ready, startupError: 'The settings file x is not valid' }), { kind: 'done', exitCode: 1, reason: 'startup failed: The settings file x is not valid' });
  assert.deepEqual(smokeVerdict({ ...ready, window: 'visible' }), { kind: 'done', exitCode: 1, reason: 'the window became visible; a login or smoke start must stay in the tray' });
  assert.deepEqual(smokeVerdict({ ...ready, serviceStatus: door('error', 'port 8443 is in use') }), { kind: 'done', exitCode: 1, reason: 'the door did not start: port 8443 is in use' });
});
