/**
 * What the tray shows, as a pure function of the status: the icon, a tooltip with the reason and
 * the menu with each item's enabled state. main/app only turns this into Electron objects.
 */
import type { AppStatus, Health, HealthState } from './status.ts';
import { HEALTH_WORD } from './health.ts';
import { primaryDomain } from './primary-domain.ts';

export type TrayItemId = 'status' | 'open-dashboard' | 'renew' | 'run-setup' | 'open-plex-url' | 'start-at-login' | 'quit';

export type TrayMenuItem =
  | { kind: 'item'; id: TrayItemId; label: string; enabled: boolean }
  | { kind: 'checkbox'; id: TrayItemId; label: string; enabled: boolean; checked: boolean }
  | { kind: 'separator' };

export interface TrayModel {
  icon: HealthState;
  tooltip: string;
  menu: TrayMenuItem[];
  /** The URL "Open my Plex URL" opens, when there is one. */
  plexUrl: string | null;
}

/** Windows truncates tray tooltips at 127 characters; cut ourselves so the cut is visible. */
export const TOOLTIP_MAX = 127;

export function trayModel(status: AppStatus, opts: { startAtLogin: boolean }): TrayModel {
  const { health } = status;
  const full = `Portico${status.demo ? ' (demo)' : ''}: ${health.reason}`;
  const tooltip = full.length > TOOLTIP_MAX ? `${full.slice(0, TOOLTIP_MAX - 1)}…` : full;
  const domain = primaryDomain(status.domains);
  const hasRealCert = status.certificates.some((c) => (c.state === 'valid' || c.state === 'expiring') && !c.staging);
  const renewing = status.certificates.some((c) => c.state === 'renewing');
  // Status carries no config, so the URL assumes the router exposes 443 (the default).
  const plexUrl = domain && hasRealCert ? `https://${domain}/web/` : null;
  return {
    icon: health.state,
    tooltip,
    plexUrl,
    menu: [
      { kind: 'item', id: 'status', label: `${HEALTH_WORD[health.state]}: ${health.reason}`, enabled: false },
      { kind: 'separator' },
      { kind: 'item', id: 'open-dashboard', label: 'Open dashboard', enabled: true },
      { kind: 'item', id: 'renew', label: renewing ? 'Renewing certificate…' : 'Renew certificate now', enabled: status.domains.length > 0 && !renewing },
      { kind: 'item', id: 'run-setup', label: 'Run setup again', enabled: true },
      { kind: 'item', id: 'open-plex-url', label: 'Open my Plex URL', enabled: plexUrl !== null },
      { kind: 'separator' },
      { kind: 'checkbox', id: 'start-at-login', label: 'Start at login', enabled: true, checked: opts.startAtLogin },
      { kind: 'item', id: 'quit', label: 'Quit Portico', enabled: true },
    ],
  };
}


/** Which file in resources/tray/ shows a state on each OS (macOS: template images the menu bar tints). */
export function trayIconFile(state: HealthState, platform: string): string {
  if (platform === 'darwin') return `tray/${state}Template.png`;
  if (platform === 'win32') return `tray/${state}.ico`;
  return `tray/${state}.png`;
}

/**
 * A desktop notification once per real change of the verdict: health turns to warning or error,
 * worsens, or a different part of the setup becomes the problem. Never again while it stays the
 * same, so a failing renewal that retries all day notifies once.
 */
export function notificationFor(prev: Health | undefined, next: Health): { title: string; body: string } | null {
  if (next.state !== 'warning' && next.state !== 'error') return null;
  if (prev && prev.state === next.state && prev.area === next.area) return null;
  if (prev?.state === 'error' && next.state === 'warning') return null;
  const title = next.state === 'error' ? 'Portico: remote access to Plex is not working' : 'Portico needs your attention';
  return { title, body: next.action ? `${next.reason}. ${next.action}` : next.reason };
}
