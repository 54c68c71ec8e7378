/**
 * Everything Portico does to Plex Media Server: find it, get a token (config, our own sign-in,
 * or PMS's own store), plan and apply the remote-access prefs, prove they work, and undo them.
 * Before any change the previous values are saved (atomically) so undo restores exactly those.
 * The token is registered with the logger as a secret and never appears in status or errors.
 */
import { readFile, unlink } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../shared/config.ts';
import type { Check, PinSignIn, PlexDiscovery, PrefChange } from '../../shared/api.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { PlexStatus } from '../../shared/status/plex.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { PmsClient, encodePref, type PmsIdentity, type PmsSetting, type PrefValue } from './pms-client.ts';
import { PlexTvClient, type PlexPin } from './plex-tv-client.ts';
import { findLocalToken, localTokenSources, type LocalTokenSource } from './local-token.ts';
import { parseXmlElements } from '../support/xml-elements.ts';
import { DataDir } from '../support/data-dir.ts';

export const TOKEN_SECRET = 'plex.token';
/** Prefs whose values are secrets: shown hidden in plans, never logged. */
const SECRET_PREFS = new Set(['customCertificateKey']);

export interface ApplyOptions {
  manualPort: boolean;
  customCertificate: boolean;
  /** The PKCS#12 export for PMS's custom-certificate prefs (needed when customCertificate is true). */
  certificate?: { path: string; passphrase: string; domain: string };
}

export interface VerifyOptions {
  /** Public URL of the door, e.g. https://plex.example.com:443 (fetched as GET <doorUrl>/identity). */
  doorUrl?: string;
  /** Instead of fetching doorUrl: a function that requests `path` through the door (tests, custom TLS). */
  doorProbe?: (path: string) => Promise<{ status: number; body: string }>;
}

export interface PlexManagerOptions {
  plex: Config['plex'];
  domains: string[];
  publicHttpsPort: number;
  dataDir: string;
  secrets: SecretStore;
  logger: Logger;
  clock: Clock;
  plexTvBaseUrl?: string;
  tokenSources?: LocalTokenSource[];
  fetch?: typeof fetch;
  /** Where the PKCS#12 export comes from when apply asks for the custom certificate without giving one. */
  customCertificate?: () => Promise<ApplyOptions['certificate'] | null>;
  /** How verify waits for PMS to re-check reachability. */
  reachabilityPoll?: { everyMs: number; attempts: number };
}

/** What undo needs: the values before Portico changed them, for one server. */
interface UndoRecord {
  machineIdentifier: string;
  savedAt: string;
  previous: Record<string, PrefValue>;
  applied: Record<string, PrefValue>;
}

type TokenOrigin = PlexDiscovery['token'];
interface Connected { pms: PmsClient; identity: PmsIdentity; token: string; origin: TokenOrigin }

function display(id: string, v: PrefValue): string {
  if (SECRET_PREFS.has(id)) return v === '' ? '(empty)' : '(hidden)';
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return v === '' ? '(empty)' : String(v);
}

function sameValue(a: PrefValue, b: PrefValue): boolean {
  return encodePref(a) === encodePref(b);
}

/** scheme://host:port, lower-cased, with the port made explicit, for duplicate detection. */
function connectionKey(u: string): string {
  try {
    const url = new URL(u.trim());
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return `${url.protocol}//${url.hostname.toLowerCase()}:${port}`;
  } catch {
    return u.trim().toLowerCase();
  }
}

/** The connection keys of a customConnections value (comma-separated URLs). */
function connectionKeys(list: string): Set<string> {
  return new Set(list.split(',').map((x) => x.trim()).filter(Boolean).map(connectionKey));
}

function customConnections(prefs: PmsSetting[]): string {
  return String(prefs.find((s) => s.id === 'customConnections')?.value ?? '');
}

export class PlexManager {
  private readonly o: PlexManagerOptions;
  private readonly log: Logger;
  private readonly listeners = new Set<(s: PlexStatus) => void>();
  private status: PlexStatus;
  private pin: PlexPin | null = null;
  private clientId: string | undefined;
  /** apply and undo run one at a time: both read, save and write the undo record. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Which token source connect() tried last (for discover's answer when all failed). */
  private lastOrigin: TokenOrigin = 'none';

  constructor(o: PlexManagerOptions) {
    this.o = o;
    this.log = o.logger.child('plex');
    this.log.addSecret(o.plex.token);
    this.status = { state: 'unknown', url: o.plex.url, signedIn: false, applied: false };
  }

  /** URLs Portico publishes in customConnections: one per domain, always with an explicit port. */
  ourUrls(): string[] {
    return this.o.domains.map((d) => `https://${d}:${this.o.publicHttpsPort}`);
  }

  getStatus(): PlexStatus {
    return structuredClone(this.status);
  }

  onDidChange(fn: (s: PlexStatus) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Is PMS there, which token do we have, and does it work? */
  async discover(): Promise<PlexDiscovery> {
    const c = await this.connect();
    const base: PlexDiscovery = { url: this.o.plex.url, found: false, token: 'none', tokenValid: false };
    if (c.ok) {
      const prefs = await c.value.pms.getPrefs();
      if (prefs.ok) {
        const keys = connectionKeys(customConnections(prefs.value));
        const applied = this.ourUrls().every((u) => keys.has(connectionKey(u)));
        this.update({ applied, state: applied ? 'configured' : 'signed-in' });
      }
      return { ...base, found: true, machineIdentifier: c.value.identity.machineIdentifier, version: c.value.identity.version, token: c.value.origin, tokenValid: true };
    }
    const found = this.status.state !== 'unreachable';
    const d: PlexDiscovery = { ...base, found, error: c.error };
    if (found && this.status.machineIdentifier) { d.machineIdentifier = this.status.machineIdentifier; d.version = this.status.version; }
    if (c.error.code !== 'plex-token-missing' && c.error.code !== 'pms-not-running') d.token = this.lastOrigin;
    return d;
  }

  async startPinSignIn(): Promise<Result<PinSignIn>> {
    const tv = await this.tv();
    const r = await tv.createPin();
    if (!r.ok) return r;
    this.pin = r.value;
    this.log.info('plex.tv sign-in started', { pinId: r.value.id, expiresAt: r.value.expiresAt });
    return ok({ authUrl: tv.authUrl(r.value), code: r.value.code, expiresAt: r.value.expiresAt });
  }

  async pollPinSignIn(): Promise<Result<{ state: 'waiting' | 'signed-in' | 'expired' }>> {
    const pin = this.pin;
    if (!pin) return err({ code: 'plex-signin-not-started', message: 'No Plex sign-in is in progress, so there is nothing to wait for.', fix: 'Start the sign-in again (Plex > Sign in).' });
    const tv = await this.tv();
    const r = await tv.pollPin(pin.id);
    if (!r.ok) return r;
    if (r.value.state === 'expired') {
      this.pin = null;
      return ok({ state: 'expired' });
    }
    if (r.value.state === 'waiting') return ok({ state: 'waiting' });
    const token = r.value.token;
    this.log.addSecret(token);
    const owner = await this.checkOwner(tv, token);
    if (!owner.ok) { this.pin = null; return owner; }
    await this.o.secrets.set(TOKEN_SECRET, token);
    this.pin = null;
    this.log.info('signed in to plex.tv');
    this.update({ signedIn: true, tokenSource: 'signed-in', state: this.status.state === 'unreachable' ? 'unreachable' : 'signed-in', error: undefined });
    return ok({ state: 'signed-in' });
  }

  /** The changes apply() would make, before/after, without changing anything. */
  async plan(opts: ApplyOptions): Promise<Result<PrefChange[]>> {
    const c = await this.connect();
    if (!c.ok) return c;
    const p = await this.compute(c.value, opts);
    return p.ok ? ok(p.value.changes) : p;
  }

  apply(opts: ApplyOptions): Promise<Result<PrefChange[]>> {
    return this.serialized(() => this.applyNow(opts));
  }

  /** Put back exactly the values saved before Portico's changes, and only those. */
  undo(): Promise<Result<PrefChange[]>> {
    return this.serialized(() => this.undoNow());
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => {});
    return run;
  }

  private async applyNow(opts: ApplyOptions): Promise<Result<PrefChange[]>> {
    const c = await this.connect();
    if (!c.ok) return c;
    const p = await this.compute(c.value, opts);
    if (!p.ok) return p;
    const { changes, desired, prefs } = p.value;
    if (changes.length === 0) {
      this.update({ applied: true, state: 'configured' });
      return ok([]);
    }
    const before = new Map(prefs.map((s) => [s.id, s.value]));
    const oldRecord = await this.readUndo();
    const record: UndoRecord = {
      machineIdentifier: c.value.identity.machineIdentifier,
      savedAt: new Date(this.o.clock.now()).toISOString(),
      previous: {},
      applied: {},
    };
    const keep = oldRecord?.machineIdentifier === record.machineIdentifier ? oldRecord : null;
    // Values saved by an earlier apply are the originals; only prefs new to this apply are saved now.
    for (const ch of changes) record.previous[ch.id] = before.get(ch.id)!;
    if (keep) Object.assign(record.previous, keep.previous);
    Object.assign(record.applied, keep?.applied ?? {}, desired);
    await this.writeUndo(record);

    const values: Record<string, PrefValue> = {};
    for (const ch of changes) values[ch.id] = desired[ch.id]!;
    const put = await c.value.pms.setPrefs(values);
    if (!put.ok) {
      await this.rollback(c.value.pms, values, before);
      if (keep) await this.writeUndo(keep); else await this.removeUndo();
      this.log.warn('applying Plex settings failed; nothing changed', { code: put.error.code });
      return err({ ...put.error, message: `${put.error.message} Portico changed nothing.` });
    }
    const back = await c.value.pms.getPrefs();
    if (!back.ok) return back;
    const wrong = changes.filter((ch) => !sameValue(back.value.find((s) => s.id === ch.id)?.value ?? '', desired[ch.id]!));
    if (wrong.length) {
      return err({
        code: 'pms-prefs-not-saved',
        message: `Plex Media Server accepted the change but still reports old values for ${wrong.map((w) => w.id).join(', ')}.`,
        fix: 'Restart Plex Media Server and apply again; run "portico plex undo" to put the saved values back.',
      });
    }
    this.log.info('applied Plex settings', { changed: changes.map((ch) => ch.id) });
    this.update({ applied: true, state: 'configured', error: undefined });
    return ok(changes);
  }

  private async undoNow(): Promise<Result<PrefChange[]>> {
    const record = await this.readUndo();
    if (!record) {
      this.update({ applied: false });
      return ok([]);
    }
    const c = await this.connect();
    if (!c.ok) return c;
    if (c.value.identity.machineIdentifier !== record.machineIdentifier) {
      return err({
        code: 'plex-undo-other-server',
        message: `The saved Plex settings belong to server ${record.machineIdentifier}, but ${this.o.plex.url} is server ${c.value.identity.machineIdentifier}; Portico changed nothing.`,
        fix: `Point plex.url at the server Portico changed, or delete ${new DataDir(this.o.dataDir).plexUndo} if that server is gone.`,
      });
    }
    const prefs = await c.value.pms.getPrefs();
    if (!prefs.ok) return prefs;
    const byId = new Map(prefs.value.map((s) => [s.id, s]));
    const missing = Object.keys(record.previous).filter((id) => !byId.has(id));
    if (missing.length) return err(unknownPrefError(this.o.plex.url, missing));
    const values: Record<string, PrefValue> = {};
    const changes: PrefChange[] = [];
    for (const [id, prev] of Object.entries(record.previous)) {
      const s = byId.get(id)!;
      if (sameValue(s.value, prev)) continue;
      values[id] = prev;
      changes.push({ id, label: s.label || id, before: display(id, s.value), after: display(id, prev) });
    }
    const put = await c.value.pms.setPrefs(values);
    if (!put.ok) return put;
    await this.removeUndo();
    this.log.info('restored Plex settings', { restored: changes.map((ch) => ch.id) });
    this.update({ applied: false, state: 'signed-in', error: undefined });
    return ok(changes);
  }

  /** Prove it works, one plain-words check at a time. */
  async verify(opts: VerifyOptions = {}): Promise<Check[]> {
    const checks: Check[] = [];
    const c = await this.connect();
    if (!c.ok) {
      checks.push({ id: 'plex-server', title: 'Plex Media Server answers', ok: false, detail: c.error.message, fix: c.error.fix });
      checks.push(await this.doorCheck(opts, undefined));
      return checks;
    }
    const { pms, identity, token } = c.value;
    checks.push(await this.prefsCheck(pms));

    checks.push(await this.mappingAfterRefresh(pms));
    checks.push(await this.resourcesCheck(token, identity.machineIdentifier));
    checks.push(await this.doorCheck(opts, identity.machineIdentifier));
    return checks;
  }

  // ---- internals ----

  private update(patch: Partial<PlexStatus>): void {
    const next = { ...this.status, ...patch };
    if (next.error === undefined) delete next.error;
    for (const k of Object.keys(next) as (keyof PlexStatus)[]) if (next[k] === undefined) delete next[k];
    if (JSON.stringify(next) === JSON.stringify(this.status)) return;
    this.status = next;
    for (const fn of this.listeners) fn(this.getStatus());
  }

  private async clientIdentifier(): Promise<string> {
    if (this.clientId) return this.clientId;
    const path = new DataDir(this.o.dataDir).plexClient;
    try {
      const v = JSON.parse(await readFile(path, 'utf8')) as { clientIdentifier?: string };
      if (typeof v.clientIdentifier === 'string' && v.clientIdentifier) this.clientId = v.clientIdentifier;
    } catch { /* first run: create one below */ }
    if (!this.clientId) {
      this.clientId = randomUUID();
      await writeFileAtomic(path, JSON.stringify({ clientIdentifier: this.clientId }, null, 2) + '\n');
    }
    return this.clientId;
  }

  private async tv(): Promise<PlexTvClient> {
    return new PlexTvClient({ baseUrl: this.o.plexTvBaseUrl, clientIdentifier: await this.clientIdentifier(), product: 'Portico', fetch: this.o.fetch, clock: this.o.clock });
  }

  private async candidates(): Promise<{ token: string; origin: TokenOrigin }[]> {
    const out: { token: string; origin: TokenOrigin }[] = [];
    if (this.o.plex.token) out.push({ token: this.o.plex.token, origin: 'config' });
    const saved = await this.o.secrets.get(TOKEN_SECRET);
    if (saved) out.push({ token: saved, origin: 'signed-in' });
    const local = await findLocalToken(this.o.tokenSources ?? localTokenSources());
    if (local) out.push({ token: local.token, origin: 'local-store' });
    for (const c of out) this.log.addSecret(c.token);
    return out;
  }

  /** PMS answers, and one of our tokens is accepted by it (i.e. belongs to the owner or an admin). */
  private async connect(): Promise<Result<Connected>> {
    const anon = new PmsClient(this.o.plex.url, null, { fetch: this.o.fetch });
    const id = await anon.identity();
    if (!id.ok) {
      this.update({ state: id.error.code === 'pms-not-running' ? 'unreachable' : 'error', error: id.error });
      return id;
    }
    this.update({ machineIdentifier: id.value.machineIdentifier, version: id.value.version });
    const cands = await this.candidates();
    if (cands.length === 0) {
      const e: AppError = {
        code: 'plex-token-missing',
        message: `Portico has no Plex token: none is set in the config, you have not signed in, and Plex Media Server's own settings on this computer hold none.`,
        fix: 'Sign in to Plex from Portico (Plex > Sign in, or "portico plex signin"), using the account that owns this server.',
      };
      this.update({ state: 'found', signedIn: false, tokenSource: 'none', error: e });
      return err(e);
    }
    let first: AppError | undefined;
    for (const cand of cands) {
      this.lastOrigin = cand.origin;
      const pms = new PmsClient(this.o.plex.url, cand.token, { fetch: this.o.fetch });
      const a = await pms.account();
      if (a.ok) {
        this.update({ state: this.status.applied ? 'configured' : 'signed-in', signedIn: true, tokenSource: cand.origin, mappingState: a.value.mappingState, error: undefined });
        return ok({ pms, identity: id.value, token: cand.token, origin: cand.origin });
      }
      if (a.error.code === 'pms-not-running') { this.update({ state: 'unreachable', error: a.error }); return a; }
      const e = a.error.code === 'plex-token-rejected' ? await this.explainRejected(cand.token, id.value.machineIdentifier, a.error) : a.error;
      first ??= e;
    }
    this.update({ state: 'error', signedIn: false, error: first });
    return err(first!);
  }

  /** A 401 from PMS is either an expired token or (on some PMS versions) another account's token: ask plex.tv. */
  private async explainRejected(token: string, machineIdentifier: string, e401: AppError): Promise<AppError> {
    const tv = await this.tv();
    const user = await tv.user(token);
    if (!user.ok) return e401;
    const res = await tv.resources(token);
    if (!res.ok) return e401;
    const mine = res.value.find((r) => r.clientIdentifier === machineIdentifier);
    if (!mine || !mine.owned) return notOwnerError(this.o.plex.url, user.value.username);
    return e401;
  }

  private async checkOwner(tv: PlexTvClient, token: string): Promise<Result<void>> {
    const id = await new PmsClient(this.o.plex.url, null, { fetch: this.o.fetch }).identity();
    if (!id.ok) return ok(undefined); // PMS is down: ownership is checked again on connect
    const res = await tv.resources(token);
    if (!res.ok) return res;
    const mine = res.value.find((r) => r.clientIdentifier === id.value.machineIdentifier);
    if (!mine || !mine.owned) {
      const u = await tv.user(token);
      return err(notOwnerError(this.o.plex.url, u.ok ? u.value.username : undefined));
    }
    return ok(undefined);
  }

  private async compute(c: Connected, opts: ApplyOptions): Promise<Result<{ changes: PrefChange[]; desired: Record<string, PrefValue>; prefs: PmsSetting[] }>> {
    const prefs = await c.pms.getPrefs();
    if (!prefs.ok) return prefs;
    const byId = new Map(prefs.value.map((s) => [s.id, s]));
    const desired: Record<string, PrefValue> = {};

    const current = customConnections(prefs.value);
    const have = connectionKeys(current);
    const add = this.ourUrls().filter((u) => !have.has(connectionKey(u)));
    desired.customConnections = add.length ? [current.replace(/[\s,]+$/, ''), ...add].filter(Boolean).join(',') : current;

    if (opts.manualPort) {
      desired.ManualPortMappingMode = true;
      desired.ManualPortMappingPort = this.o.publicHttpsPort;
    }
    if (opts.customCertificate) {
      const cert = opts.certificate ?? (await this.o.customCertificate?.()) ?? undefined;
      if (!cert) {
        return err({
          code: 'plex-certificate-missing',
          message: "Portico cannot set PMS's custom certificate: no PKCS#12 export of the certificate is available yet.",
          fix: 'Get the certificate first (Certificates > Get certificate), or apply without the custom-certificate option.',
        });
      }
      this.log.addSecret(cert.passphrase);
      desired.customCertificatePath = cert.path;
      desired.customCertificateKey = cert.passphrase;
      desired.customCertificateDomain = cert.domain;
    }
    const unknown = Object.keys(desired).filter((id) => !byId.has(id));
    if (unknown.length) return err(unknownPrefError(this.o.plex.url, unknown));

    const changes: PrefChange[] = [];
    for (const [id, v] of Object.entries(desired)) {
      const s = byId.get(id)!;
      if (sameValue(s.value, v)) continue;
      changes.push({ id, label: s.label || id, before: display(id, s.value), after: display(id, v) });
    }
    return ok({ changes, desired, prefs: prefs.value });
  }

  /** After a failed PUT (PMS may have applied part of it): put back whatever moved. */
  private async rollback(pms: PmsClient, tried: Record<string, PrefValue>, before: Map<string, PrefValue>): Promise<void> {
    const now = await pms.getPrefs();
    if (!now.ok) return;
    const back: Record<string, PrefValue> = {};
    for (const s of now.value) {
      if (s.id in tried && before.has(s.id) && !sameValue(s.value, before.get(s.id)!)) back[s.id] = before.get(s.id)!;
    }
    if (Object.keys(back).length) await pms.setPrefs(back);
  }

  private async readUndo(): Promise<UndoRecord | null> {
    try {
      const v = JSON.parse(await readFile(new DataDir(this.o.dataDir).plexUndo, 'utf8')) as UndoRecord;
      return v && typeof v.previous === 'object' ? v : null;
    } catch {
      return null;
    }
  }

  private async writeUndo(r: UndoRecord): Promise<void> {
    // 0600: the record may hold the previous custom-certificate passphrase.
    await writeFileAtomic(new DataDir(this.o.dataDir).plexUndo, JSON.stringify(r, null, 2) + '\n', 0o600);
  }

  private async removeUndo(): Promise<void> {
    await unlink(new DataDir(this.o.dataDir).plexUndo).catch(() => {});
  }

  private async prefsCheck(pms: PmsClient): Promise<Check> {
    const title = 'Plex settings read back';
    const prefs = await pms.getPrefs();
    if (!prefs.ok) return { id: 'plex-prefs', title, ok: false, detail: prefs.error.message, fix: prefs.error.fix };
    const record = await this.readUndo();
    const want: Record<string, PrefValue> = { ...(record?.applied ?? {}) };
    const keys = connectionKeys(customConnections(prefs.value));
    const missingUrls = this.ourUrls().filter((u) => !keys.has(connectionKey(u)));
    delete want.customConnections;
    const wrong = Object.entries(want).filter(([id, v]) => !sameValue(prefs.value.find((s) => s.id === id)?.value ?? '', v)).map(([id]) => id);
    if (missingUrls.length || wrong.length) {
      const parts = [missingUrls.length ? `"Custom server access URLs" does not contain ${missingUrls.join(', ')}` : '', wrong.length ? `${wrong.join(', ')} no longer have Portico's values` : ''].filter(Boolean);
      this.update({ applied: false });
      return { id: 'plex-prefs', title, ok: false, detail: `${parts.join('; ')}.`, fix: 'Apply the Plex settings again (portico plex apply).' };
    }
    this.update({ applied: true, state: 'configured' });
    return { id: 'plex-prefs', title, ok: true, detail: `Plex Media Server lists ${this.ourUrls().join(', ')} under "Custom server access URLs"${Object.keys(want).length ? ` and keeps ${Object.keys(want).join(', ')}` : ''}.` };
  }

  /** Ask PMS to re-check reachability (PUT refreshReachability), wait for the answer, explain it. */
  private async mappingAfterRefresh(pms: PmsClient): Promise<Check> {
    const r = await pms.refreshReachability();
    if (!r.ok) {
      // Older servers may refuse the refresh: report the state PMS already has.
      const a = await pms.account();
      return a.ok ? mappingCheck(a.value) : { id: 'plex-mapping', title: MAPPING_TITLE, ok: false, detail: a.error.message, fix: a.error.fix };
    }
    const { everyMs, attempts } = this.o.reachabilityPoll ?? { everyMs: 1000, attempts: 30 };
    for (let i = 0; i < attempts; i++) {
      await new Promise<void>((resolve) => this.o.clock.setTimer(resolve, everyMs));
      const a = await pms.account();
      if (!a.ok) return { id: 'plex-mapping', title: MAPPING_TITLE, ok: false, detail: a.error.message, fix: a.error.fix };
      if (a.value.mappingState === 'waiting') continue;
      this.update({ mappingState: a.value.mappingState });
      return mappingCheck(a.value);
    }
    return { id: 'plex-mapping', title: MAPPING_TITLE, ok: null, detail: `Plex Media Server was still checking remote access after ${Math.round((everyMs * attempts) / 1000)} s.`, fix: 'Run verify again in a minute.' };
  }

  private async resourcesCheck(token: string, machineIdentifier: string): Promise<Check> {
    const title = 'plex.tv publishes your address';
    const tv = await this.tv();
    const res = await tv.resources(token);
    if (!res.ok) return { id: 'plex-tv-resources', title, ok: false, detail: res.error.message, fix: res.error.fix };
    const mine = res.value.find((r) => r.clientIdentifier === machineIdentifier);
    if (!mine || !mine.owned) {
      const e = notOwnerError(this.o.plex.url);
      return { id: 'plex-tv-resources', title, ok: false, detail: e.message, fix: e.fix };
    }
    const uris = new Set(mine.connections.map((c) => connectionKey(c.uri)));
    const missing = this.ourUrls().filter((u) => !uris.has(connectionKey(u)));
    if (missing.length) {
      return { id: 'plex-tv-resources', title, ok: false, detail: `plex.tv does not list ${missing.join(', ')} among the connections of "${mine.name}" yet.`, fix: 'Plex Media Server publishes its URLs every few minutes: wait, then verify again. If it stays missing, check that Remote Access is enabled in Plex Web.' };
    }
    return { id: 'plex-tv-resources', title, ok: true, detail: `plex.tv lists ${this.ourUrls().join(', ')} for "${mine.name}", so Plex apps will find it.` };
  }

  private async doorCheck(opts: VerifyOptions, machineIdentifier: string | undefined): Promise<Check> {
    const title = 'Requests through Portico reach Plex';
    const target = opts.doorUrl ?? this.ourUrls()[0] ?? '';
    if (!opts.doorProbe && !opts.doorUrl) return { id: 'door-reaches-pms', title, ok: null, detail: 'Not checked: the door is not running.' };
    let r: { status: number; body: string };
    try {
      r = opts.doorProbe ? await opts.doorProbe('/identity') : await (async () => {
        const res = await (this.o.fetch ?? fetch)(`${target.replace(/\/+$/, '')}/identity`, { signal: AbortSignal.timeout(10_000) });
        return { status: res.status, body: await res.text() };
      })();
    } catch (e) {
      return { id: 'door-reaches-pms', title, ok: false, detail: `${target} did not answer (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message}).`, fix: 'Check that Portico is running and the router forwards the HTTPS port to this computer.' };
    }
    const got = parseXmlElements(r.body, 'MediaContainer')[0]?.machineIdentifier;
    if (r.status !== 200 || !got) return { id: 'door-reaches-pms', title, ok: false, detail: `${target}/identity answered ${r.status}, not Plex Media Server's identity.`, fix: 'Check that the door routes your domain to plex.url, and that Plex Media Server is running.' };
    if (machineIdentifier && got !== machineIdentifier) return { id: 'door-reaches-pms', title, ok: false, detail: `${target} reaches a different Plex server (${got}).`, fix: 'Point plex.url at this server, or fix the DNS of your domain.' };
    return { id: 'door-reaches-pms', title, ok: true, detail: `${target} reaches this Plex Media Server through Portico.` };
  }
}

function unknownPrefError(url: string, ids: string[]): AppError {
  const names = ids.map((i) => `"${i}"`).join(', ');
  return {
    code: 'pms-unknown-pref',
    message: `Plex Media Server at ${url} has no setting named ${names} (this PMS version does not list it), so Portico changed nothing.`,
    fix: 'Update Plex Media Server and try again' + (ids.some((i) => i.startsWith('customCertificate')) ? ', or apply without the custom certificate option.' : '.'),
  };
}

function notOwnerError(url: string, username?: string): AppError {
  return {
    code: 'plex-not-owner',
    message: `The Plex account${username ? ` "${username}"` : ''} is not the owner of the Plex Media Server at ${url}, so it may not change its settings.`,
    fix: 'Sign in to Plex from Portico with the account that owns this server (Plex Web > Settings > General shows it).',
  };
}

const MAPPING_TITLE = 'Remote access (as Plex sees it)';

function mappingCheck(a: { mappingState: string; mappingError: string; mappingErrorMessage: string }): Check {
  const title = MAPPING_TITLE;
  if (a.mappingState === 'mapped') return { id: 'plex-mapping', title, ok: true, detail: 'Plex Media Server says it is reachable from the internet.' };
  if (a.mappingState === 'waiting') return { id: 'plex-mapping', title, ok: null, detail: 'Plex Media Server is still checking whether it is reachable from the internet.', fix: 'Wait a minute, then verify again.' };
  if (a.mappingError === 'unreachable') return { id: 'plex-mapping', title, ok: false, detail: 'plex.tv could not reach your server from the internet.', fix: 'Check the router forwards the public port to this computer (and that the door is running), then verify again.' };
  if (a.mappingError === 'publisherror') return { id: 'plex-mapping', title, ok: false, detail: 'Plex Media Server could not publish its address to plex.tv.', fix: 'Check this computer can reach plex.tv, then sign out and in again in Plex Web (Settings > General).' };
  return { id: 'plex-mapping', title, ok: false, detail: `Plex Media Server reports remote access as not mapped${a.mappingErrorMessage ? ` (${a.mappingErrorMessage})` : ''}.`, fix: 'Turn on Remote Access in Plex Web (Settings > Remote Access), then verify again.' };
}
