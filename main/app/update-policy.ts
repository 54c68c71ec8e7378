/**
 * Updates, decided here and applied by main.ts with electron-updater against the GitHub release
 * feed. An update is downloaded in the background; the tray then offers "Update ready — restart
 * to install", and the restart never interrupts a certificate order or renewal: it waits for it.
 */
import type { AppStatus } from '../shared/status.ts';

export type UpdateState =
  | { kind: 'none' }
  | { kind: 'downloading'; version: string }
  | { kind: 'ready'; version: string }
  | { kind: 'failed'; message: string };

export type InstallDecision =
  | { kind: 'nothing' }
  | { kind: 'install-now'; version: string }
  | { kind: 'wait'; reason: string };

export const UPDATE_READY_LABEL = 'Update ready — restart to install';

/** How often the feed is asked (also once at start). */
export const UPDATE_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

/** The tray's update line, or null while there is nothing to install. */
export function updateMenuLabel(update: UpdateState): string | null {
  return update.kind === 'ready' ? UPDATE_READY_LABEL : null;
}

/**
 * Restart into the update only when the user asked for it and no certificate is being ordered:
 * a restart mid-order loses the order (and may cost one of the CA's rate-limited attempts).
 */
export function installDecision(update: UpdateState, status: Pick<AppStatus, 'certificates'>, userAsked: boolean): InstallDecision {
  if (update.kind !== 'ready' || !userAsked) return { kind: 'nothing' };
  const busy = status.certificates.filter((c) => c.state === 'renewing');
  if (busy.length > 0) {
    return { kind: 'wait', reason: `Portico restarts into ${update.version} as soon as the certificate for ${busy.map((c) => c.domains.join(', ')).join('; ')} is issued.` };
  }
  return { kind: 'install-now', version: update.version };
}
