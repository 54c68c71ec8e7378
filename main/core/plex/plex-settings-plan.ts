/**
 * The settings plan as pure functions of PMS's current prefs: what apply writes (our URLs merged
 * into customConnections, the manual port, the custom certificate) and what undo puts back. No
 * I/O, so every merge rule is testable without a PMS stand-in.
 */
import type { PrefChange } from '../../shared/api.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import { encodePref, type PmsSetting, type PrefValue } from './pms-client.ts';

/** Prefs whose values are secrets: shown hidden in plans, never logged. */
const SECRET_PREFS = new Set(['customCertificateKey']);

export interface WantedSettings {
  /** URLs Portico publishes in customConnections (see ourUrls). */
  urls: string[];
  /** URLs Portico published earlier (an old domain, see addedUrls) that go now; the user's own stay. */
  retired?: string[];
  /** Set "Manually specify public port" to this port; null = leave it. */
  manualPort: number | null;
  /** PMS's custom-certificate prefs; null = leave them. */
  certificate: { path: string; passphrase: string; domain: string } | null;
}

export interface SettingsPlan {
  /** Only the prefs that change, before → after, as the user sees them. */
  changes: PrefChange[];
  /** Every value Portico wants (changed or already right): what verify later expects. */
  desired: Record<string, PrefValue>;
}

/** URLs Portico publishes: one per domain, always with an explicit port (without one PMS assumes 32400). */
export function ourUrls(domains: readonly string[], publicHttpsPort: number): string[] {
  return domains.map((d) => `https://${d}:${publicHttpsPort}`);
}

export function displayPref(id: string, v: PrefValue): string {
  if (SECRET_PREFS.has(id)) return v === '' ? '(empty)' : '(hidden)';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return v === '' ? '(empty)' : String(v);
}

export function samePref(a: PrefValue, b: PrefValue): boolean {
  return encodePref(a) === encodePref(b);
}

/** scheme://host:port, lower-cased, with the port made explicit, for duplicate detection. */
export function connectionKey(u: string): string {
  try {
    const url = new URL(u.trim());
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return `${url.protocol}//${url.hostname.toLowerCase()}:${port}`;
  } catch {
    return u.trim().toLowerCase();
  }
}

/** The connection keys of a customConnections value (comma-separated URLs). */
export function connectionKeys(list: string): Set<string> {
  return new Set(list.split(',').map((x) => x.trim()).filter(Boolean).map(connectionKey));
}

export function customConnections(prefs: PmsSetting[]): string {
  return String(prefs.find((s) => s.id === 'customConnections')?.value ?? '');
}

/** Our URLs that customConnections lacks (an empty list: Portico's URLs are published). */
export function missingUrls(prefs: PmsSetting[], urls: string[]): string[] {
  const keys = connectionKeys(customConnections(prefs));
  return urls.filter((u) => !keys.has(connectionKey(u)));
}

/**
 * The URLs an earlier apply added to customConnections: what it wrote minus what was there before
 * (without a saved "before", the list was already as wanted and holds only the user's own).
 */
export function addedUrls(record: { previous: Record<string, PrefValue>; applied: Record<string, PrefValue> } | null): string[] {
  if (!record || !('customConnections' in record.previous)) return [];
  const before = connectionKeys(String(record.previous.customConnections));
  return String(record.applied.customConnections ?? '').split(',').map((x) => x.trim()).filter((u) => u && !before.has(connectionKey(u)));
}

export function unknownPrefError(url: string, ids: string[]): AppError {
  const names = ids.map((i) => `"${i}"`).join(', ');
  return {
    code: 'pms-unknown-pref',
    message: `Plex Media Server at ${url} has no setting named ${names} (this PMS version does not list it), so Portico changed nothing.`,
    fix: 'Update Plex Media Server and try again' + (ids.some((i) => i.startsWith('customCertificate')) ? ', or apply without the custom certificate option.' : '.'),
  };
}

function changesTo(byId: Map<string, PmsSetting>, values: Record<string, PrefValue>): PrefChange[] {
  const out: PrefChange[] = [];
  for (const [id, v] of Object.entries(values)) {
    const s = byId.get(id)!;
    if (samePref(s.value, v)) continue;
    out.push({ id, label: s.label || id, before: displayPref(id, s.value), after: displayPref(id, v) });
  }
  return out;
}

/**
 * What apply would write. The user's own customConnections stay, in order; ours are appended once
 * (an existing entry that differs only in case or an implicit port counts as ours), and the ones
 * Portico added for an earlier domain are taken out, so a domain change replaces the old URL.
 */
export function planSettings(prefs: PmsSetting[], want: WantedSettings, pmsUrl: string): Result<SettingsPlan> {
  const byId = new Map(prefs.map((s) => [s.id, s]));
  const desired: Record<string, PrefValue> = {};
  const wanted = new Set(want.urls.map(connectionKey));
  const retired = new Set((want.retired ?? []).map(connectionKey).filter((k) => !wanted.has(k)));
  const entries = customConnections(prefs).split(',');
  const kept = entries.filter((u) => !retired.has(connectionKey(u)));
  const current = kept.length === entries.length ? customConnections(prefs) : kept.map((u) => u.trim()).filter(Boolean).join(',');
  const add = want.urls.filter((u) => !connectionKeys(current).has(connectionKey(u)));
  desired.customConnections = add.length ? [current.replace(/[\s,]+$/, ''), ...add].filter(Boolean).join(',') : current;
  if (want.manualPort !== null) {
    desired.ManualPortMappingMode = true;
    desired.ManualPortMappingPort = want.manualPort;
  }
  if (want.certificate) {
    desired.customCertificatePath = want.certificate.path;
    desired.customCertificateKey = want.certificate.passphrase;
    desired.customCertificateDomain = want.certificate.domain;
  }
  const unknown = Object.keys(desired).filter((id) => !byId.has(id));
  if (unknown.length) return err(unknownPrefError(pmsUrl, unknown));
  return ok({ changes: changesTo(byId, desired), desired });
}

/** What undo writes: the saved previous values that differ from PMS's current ones. */
export function planRestore(prefs: PmsSetting[], previous: Record<string, PrefValue>, pmsUrl: string): Result<{ changes: PrefChange[]; values: Record<string, PrefValue> }> {
  const byId = new Map(prefs.map((s) => [s.id, s]));
  const missing = Object.keys(previous).filter((id) => !byId.has(id));
  if (missing.length) return err(unknownPrefError(pmsUrl, missing));
  const changes = changesTo(byId, previous);
  const values = Object.fromEntries(changes.map((c) => [c.id, previous[c.id]!]));
  return ok({ changes, values });
}

/** After a failed write (PMS may have applied part of it): the tried prefs that moved, with their old values. */
export function planRollback(now: PmsSetting[], tried: Record<string, PrefValue>, before: Map<string, PrefValue>): Record<string, PrefValue> {
  const back: Record<string, PrefValue> = {};
  for (const s of now) {
    if (s.id in tried && before.has(s.id) && !samePref(s.value, before.get(s.id)!)) back[s.id] = before.get(s.id)!;
  }
  return back;
}
