/** The settings plan without a PMS: prefs in, changes out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addedUrls, ourUrls, planRestore, planRollback, planSettings, type WantedSettings } from '../../../main/core/plex/plex-settings-plan.ts';
import type { PmsSetting, PrefValue } from '../../../main/core/plex/pms-client.ts';

const PMS = 'http://127.0.0.1:32400';
function setting(id: string, value: PrefValue, label = id): PmsSetting {
  const type = typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'int' : 'text';
  return { id, label, summary: '', type, value, default: value, hidden: false, advanced: false, group: 'network' };
}
const prefs = (custom: string, extra: PmsSetting[] = []): PmsSetting[] => [
  setting('customConnections', custom, 'Custom server access URLs'),
  setting('ManualPortMappingMode', false, 'Manually specify public port'),
  setting('ManualPortMappingPort', 32400, 'Public port'),
  setting('customCertificatePath', ''), setting('customCertificateKey', ''), setting('customCertificateDomain', ''),
  ...extra,
];
const want = (w: Partial<WantedSettings> = {}): WantedSettings => ({ urls: ourUrls(['plex.example.com'], 443), manualPort: null, certificate: null, ...w });

test('our URL always carries its port, so PMS does not assume 32400', () => {
  assert.deepEqual(ourUrls(['plex.example.com', 'b.example.com'], 443), ['https://plex.example.com:443', 'https://b.example.com:443']);
  assert.deepEqual(ourUrls(['plex.example.com'], 4443), ['https://plex.example.com:4443']);
});

test('the user\'s own URLs stay, in order; ours is appended once', () => {
  const p = planSettings(prefs('http://192.168.1.10:32400, https://other.example.net:8443,'), want(), PMS);
  assert.ok(p.ok);
  assert.equal(p.value.desired.customConnections, 'http://192.168.1.10:32400, https://other.example.net:8443,https://plex.example.com:443');
  assert.deepEqual(p.value.changes.map((c) => c.id), ['customConnections']);
  assert.equal(p.value.changes[0]!.label, 'Custom server access URLs');
});

test('already there in another spelling (case, implicit :443): nothing to change', () => {
  for (const have of ['https://PLEX.example.com', 'https://plex.example.com:443/', 'http://a:1,https://plex.example.com']) {
    const p = planSettings(prefs(have), want(), PMS);
    assert.ok(p.ok);
    assert.deepEqual(p.value.changes, [], have);
    assert.equal(p.value.desired.customConnections, have, 'left as the user wrote it');
  }
  // ...but another port is another URL.
  const p = planSettings(prefs('https://plex.example.com:8443'), want(), PMS);
  assert.ok(p.ok && p.value.changes.length === 1);
});

test('empty customConnections: just ours (no leading comma)', () => {
  const p = planSettings(prefs(''), want(), PMS);
  assert.ok(p.ok);
  assert.deepEqual(p.value.changes, [{ id: 'customConnections', label: 'Custom server access URLs', before: '(empty)', after: 'https://plex.example.com:443' }]);
});

test('manual port: mode on and the public port; unchanged prefs are not listed', () => {
  const p = planSettings(prefs('https://plex.example.com:443'), want({ manualPort: 443 }), PMS);
  assert.ok(p.ok);
  assert.deepEqual(p.value.changes.map((c) => [c.id, c.before, c.after]), [['ManualPortMappingMode', 'off', 'on'], ['ManualPortMappingPort', '32400', '443']]);
  assert.equal(p.value.desired.ManualPortMappingPort, 443);
});

test('custom certificate: the passphrase is shown hidden, never in the plan text', () => {
  const p = planSettings(prefs('https://plex.example.com:443'), want({ certificate: { path: '/d/plex.p12', passphrase: 'pass-phrase-secret', domain: 'plex.example.com' } }), PMS);
  assert.ok(p.ok);
  const key = p.value.changes.find((c) => c.id === 'customCertificateKey')!;
  assert.deepEqual([key.before, key.after], ['(empty)', '(hidden)']);
  assert.ok(!JSON.stringify(p.value.changes).includes('pass-phrase-secret'));
  assert.equal(p.value.desired.customCertificateKey, 'pass-phrase-secret', 'the value itself is what gets written');
});

test('a PMS without a pref Portico needs: an error naming it, and nothing planned', () => {
  const old = prefs('').filter((s) => !s.id.startsWith('customCertificate'));
  const p = planSettings(old, want({ certificate: { path: '/p', passphrase: 'x', domain: 'd' } }), PMS);
  assert.ok(!p.ok);
  assert.equal(p.error.code, 'pms-unknown-pref');
  assert.match(p.error.message, /"customCertificatePath"/);
  assert.match(p.error.fix!, /without the custom certificate/);
});

test('restore: only saved values that differ now; a vanished pref is an error', () => {
  const now = prefs('http://a:1,https://plex.example.com:443');
  const r = planRestore(now, { customConnections: 'http://a:1', ManualPortMappingPort: 32400 }, PMS);
  assert.ok(r.ok);
  assert.deepEqual(r.value.values, { customConnections: 'http://a:1' });
  assert.deepEqual(r.value.changes.map((c) => c.id), ['customConnections']);
  const gone = planRestore(now, { NoSuchPref: 1 }, PMS);
  assert.ok(!gone.ok && gone.error.code === 'pms-unknown-pref');
});

test('rollback: only the tried prefs that moved go back', () => {
  const before = new Map<string, PrefValue>([['customConnections', ''], ['ManualPortMappingPort', 32400], ['ManualPortMappingMode', false]]);
  const now = prefs('https://plex.example.com:443');
  assert.deepEqual(planRollback(now, { customConnections: 'x', ManualPortMappingPort: 443 }, before), { customConnections: '' });
});

test('a domain change replaces the URL Portico added for the old domain; the user\'s own URLs stay, in order', () => {
  const record = { previous: { customConnections: 'http://192.168.1.10:32400' }, applied: { customConnections: 'http://192.168.1.10:32400,https://old.example.com:443' } };
  assert.deepEqual(addedUrls(record), ['https://old.example.com:443']);
  const p = planSettings(prefs('http://192.168.1.10:32400,https://old.example.com:443, https://mine.example.net:8443'), want({ urls: ourUrls(['new.example.com'], 443), retired: addedUrls(record) }), PMS);
  assert.ok(p.ok);
  assert.equal(p.value.desired.customConnections, 'http://192.168.1.10:32400,https://mine.example.net:8443,https://new.example.com:443');
  // An old URL that was the user's own before Portico came is not ours to take out.
  assert.deepEqual(addedUrls({ previous: {}, applied: { customConnections: 'https://old.example.com:443' } }), []);
  assert.deepEqual(addedUrls({ previous: { customConnections: 'HTTPS://old.example.com' }, applied: { customConnections: 'https://old.example.com:443' } }), []);
  // Retired and wanted again (back to the old domain): kept, not removed and re-added.
  const back = planSettings(prefs('https://old.example.com:443'), want({ urls: ourUrls(['old.example.com'], 443), retired: ['https://old.example.com:443'] }), PMS);
  assert.ok(back.ok);
  assert.deepEqual(back.value.changes, []);
});
