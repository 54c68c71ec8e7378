import { test } from 'node:test';
import assert from 'node:assert/strict';
import { health } from '../../main/shared/health.ts';
import { notificationFor, trayIconFile, trayModel, TOOLTIP_MAX, type TrayMenuItem } from '../../main/shared/tray-model.ts';
import type { AppStatus, HealthState } from '../../main/shared/status.ts';
import { healthyStatus } from './app-status-fixture.ts';

const withHealth = (s: AppStatus): AppStatus => ({ ...s, health: health(s) });
const item = (menu: TrayMenuItem[], id: string) => {
  const found = menu.find((m) => m.kind !== 'separator' && m.id === id);
  assert.ok(found && found.kind !== 'separator', `menu has ${id}`);
  return found;
};

const byState: Record<HealthState, (s: AppStatus) => void> = {
  ok: () => {},
  warning: (s) => { s.plex.applied = false; },
  error: (s) => { s.certificates[0]!.state = 'expired'; },
  working: (s) => { s.certificates[0]!.state = 'renewing'; },
};

for (const [state, edit] of Object.entries(byState) as [HealthState, (s: AppStatus) => void][]) {
  test(`tray: ${state} status -> ${state} icon, reason in tooltip, full menu`, () => {
    const s = healthyStatus();
    edit(s);
    const st = withHealth(s);
    const m = trayModel(st, { startAtLogin: false });
    assert.equal(m.icon, state);
    assert.ok(m.tooltip.includes(st.health.reason), m.tooltip);
    assert.deepEqual(
      m.menu.flatMap((x) => (x.kind === 'separator' ? [] : [x.id])),
      ['status', 'open-dashboard', 'renew', 'run-setup', 'open-plex-url', 'start-at-login', 'quit'],
    );
    assert.equal(item(m.menu, 'status').enabled, false);
    assert.equal(item(m.menu, 'open-dashboard').enabled, true);
    assert.equal(item(m.menu, 'quit').enabled, true);
    assert.equal(item(m.menu, 'renew').enabled, state !== 'working', 'renew is disabled while renewing');
    assert.equal(item(m.menu, 'open-plex-url').enabled, state !== 'error' && state !== 'working', 'no real certificate, no URL to open');
  });
}

/** Problems the e2e test met with an "All good" tray: each must turn the icon and name itself. */
const honest: { name: string; icon: HealthState; tooltip: RegExp; edit: (s: AppStatus) => void }[] = [
  { name: 'router manual with an error', icon: 'warning', tooltip: /cannot open the ports/, edit: (s) => { s.router = { ...s.router, state: 'manual', mappings: [], error: 'no UPnP' }; } },
  { name: 'a conflicting mapping', icon: 'warning', tooltip: /already forwarded to 192\.168\.1\.9/, edit: (s) => { s.router.mappings[0] = { ...s.router.mappings[0]!, state: 'conflict', owner: '192.168.1.9' }; } },
  { name: 'DDNS failing', icon: 'warning', tooltip: /Dynamic DNS is failing/, edit: (s) => { s.router.ddns = { state: 'error', error: 'bad token' }; } },
  { name: 'setup pending', icon: 'warning', tooltip: /Setup not finished/, edit: (s) => { s.domains = []; s.certificates = []; } },
  { name: 'certificate failed', icon: 'error', tooltip: /No certificate/, edit: (s) => { s.certificates[0]!.state = 'failed'; } },
];

for (const c of honest) {
  test(`tray: ${c.name} -> ${c.icon} icon, not "All good"`, () => {
    const s = healthyStatus();
    c.edit(s);
    const m = trayModel(withHealth(s), { startAtLogin: false });
    assert.equal(m.icon, c.icon);
    assert.match(m.tooltip, c.tooltip);
    const status = item(m.menu, 'status');
    assert.ok(!status.label.startsWith('All good'), status.label);
  });
}

test('tray: Open my Plex URL points at the domain once a real certificate exists', () => {
  const m = trayModel(withHealth(healthyStatus()), { startAtLogin: true });
  assert.equal(m.plexUrl, 'https://plex.example.com/web/');
  const login = item(m.menu, 'start-at-login');
  assert.equal(login.kind, 'checkbox');
  assert.equal(login.kind === 'checkbox' && login.checked, true);
});

test('tray: a staging certificate is not a usable URL; no domain disables renew', () => {
  const s = healthyStatus();
  s.certificates[0]!.staging = true;
  assert.equal(trayModel(withHealth(s), { startAtLogin: false }).plexUrl, null);
  s.domains = [];
  const m = trayModel(withHealth(s), { startAtLogin: false });
  assert.equal(item(m.menu, 'renew').enabled, false);
  assert.equal(m.icon, 'warning');
});

test('tray: tooltip is cut to the Windows limit and marks demo mode', () => {
  const s = withHealth(healthyStatus());
  s.demo = true;
  s.health = { state: 'warning', reason: 'x'.repeat(300) };
  const m = trayModel(s, { startAtLogin: false });
  assert.equal(m.tooltip.length, TOOLTIP_MAX);
  assert.ok(m.tooltip.startsWith('Portico (demo): '));
  assert.ok(m.tooltip.endsWith('…'));
});

test('tray: an icon file per state and platform, and every one exists in resources/', async () => {
  const { existsSync } = await import('node:fs');
  const res = new URL('../../resources/', import.meta.url).pathname;
  for (const state of ['ok', 'warning', 'error', 'working'] as const) {
    for (const platform of ['darwin', 'win32', 'linux']) {
      const f = trayIconFile(state, platform);
      assert.ok(existsSync(`${res}${f}`), `${platform} ${state}: ${f} exists`);
      if (platform === 'darwin') {
        assert.match(f, /Template\.png$/);
        assert.ok(existsSync(`${res}${f.replace('.png', '@2x.png')}`), `${f} has an @2x`);
      }
    }
  }
  assert.equal(trayIconFile('error', 'win32'), 'tray/error.ico');
});

test('notifications: once when health turns to warning or error, not while it stays there', () => {
  const ok = { state: 'ok' as const, reason: 'fine' };
  const warn = { state: 'warning' as const, reason: 'Renewal failed', action: 'Open port 443.' };
  const err = { state: 'error' as const, reason: 'Certificate expired' };
  assert.equal(notificationFor(undefined, ok), null);
  assert.deepEqual(notificationFor(ok, warn), { title: 'Portico needs your attention', body: 'Renewal failed. Open port 443.' });
  assert.equal(notificationFor(warn, { ...warn, reason: 'Renewal failed again' }), null);
  assert.equal(notificationFor(warn, err)?.title, 'Portico: remote access to Plex is not working');
  assert.equal(notificationFor(err, warn), null, 'getting better is not news');
  assert.equal(notificationFor(err, { state: 'working', reason: 'renewing' }), null);
  assert.ok(notificationFor({ state: 'working', reason: 'renewing' }, err));
  assert.ok(notificationFor(undefined, err), 'a problem at start-up is reported');
});

test('notifications: a different part of the setup failing is news; the same one retrying is not', () => {
  const dns = { state: 'warning' as const, reason: 'plex.example.com has no A record', area: 'dns' as const };
  const router = { state: 'warning' as const, reason: 'The router did not open port 443', area: 'router' as const };
  assert.equal(notificationFor(dns, { ...dns, reason: 'plex.example.com points to 198.51.100.1' }), null);
  assert.ok(notificationFor(dns, router));
});
