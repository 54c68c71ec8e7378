/**
 * `--smoke-test`: the packaged app starts in a temporary user-data folder on free ports, creates
 * the tray and a hidden window, and exits 0 once the renderer has asked for the status over IPC
 * and the service has answered with a running door — or non-zero with the reason. The release
 * workflow runs it on every packaged app on its own OS. main.ts gathers the facts; this decides.
 */
import type { AppStatus } from '../shared/status.ts';

export const SMOKE_TEST_ARG = '--smoke-test';
export const SMOKE_TIMEOUT_MS = 90_000;

export interface SmokeFacts {
  trayCreated: boolean;
  window: 'none' | 'hidden' | 'visible';
  /** The status the renderer received over IPC ('status:get'), once it has asked. */
  rendererStatus: Pick<AppStatus, 'health'> | null;
  /** The service's own answer, asked directly. */
  serviceStatus: Pick<AppStatus, 'door'> | null;
  /** Startup threw (the message already says what to do). */
  startupError: string | null;
  elapsedMs: number;
}

export type SmokeVerdict =
  | { kind: 'waiting' }
  | { kind: 'done'; exitCode: 0 | 1; reason: string };

export function smokeVerdict(f: SmokeFacts, timeoutMs = SMOKE_TIMEOUT_MS): SmokeVerdict {
  const fail = (reason: string): SmokeVerdict => ({ kind: 'done', exitCode: 1, reason });
  if (f.startupError !== null) return fail(`startup failed: ${f.startupError}`);
  if (f.window === 'visible') return fail('the window became visible; a login or smoke start must stay in the tray');
  if (f.serviceStatus && f.serviceStatus.door.state === 'error') return fail(`the door did not start: ${f.serviceStatus.door.error?.message ?? 'no reason given'}`);
  const missing = [
    !f.trayCreated && 'the tray icon',
    f.window === 'none' && 'the (hidden) window',
    !f.rendererStatus && 'the renderer asking for the status over IPC',
    f.serviceStatus?.door.state !== 'running' && `the service answering with a running door (door: ${f.serviceStatus?.door.state ?? 'no answer'})`,
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length === 0) {
    return { kind: 'done', exitCode: 0, reason: `tray, hidden window, renderer ready (health: ${f.rendererStatus!.health.state}), door running` };
  }
  if (f.elapsedMs >= timeoutMs) return fail(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${missing.join(', ')}`);
  return { kind: 'waiting' };
}
