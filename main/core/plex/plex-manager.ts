/**
 * Everything Portico does to Plex Media Server, as one coordinator: find it, get a token (config,
 * our own sign-in, or PMS's own store), and hand the jobs to their files — sign-in
 * (plex-tv-sign-in.ts), the pure settings plan (plex-settings-plan.ts), apply/undo with the undo
 * record (plex-settings-apply.ts), verification (plex-verify.ts). It owns the status.
 * The token is registered with the logger as a secret and never appears in status or errors.
 */
import type { Config } from '../../shared/config.ts';
import type { Check, PinSignIn, PlexDiscovery, PrefChange } from '../../shared/api.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { PlexStatus } from '../../shared/status/plex.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import type { HttpText } from '../support/http-text.ts';
import { Emitter } from '../support/emitter.ts';
import { SerialQueue } from '../support/serial-queue.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { FileLock } from '../support/file-lock.ts';
import { DataDir } from '../support/data-dir.ts';
import { PmsClient, type PmsIdentity, type PmsSetting } from './pms-client.ts';
import { findLocalToken, localTokenSources, type LocalTokenSource } from './local-token.ts';
import { addedUrls, missingUrls, ourUrls, planSettings, type SettingsPlan } from './plex-settings-plan.ts';
import { PlexSettingsApply } from './plex-settings-apply.ts';
import { notOwnerError, PlexTvSignIn, TOKEN_SECRET } from './plex-tv-sign-in.ts';
import { doorCheck, mappingAfterRefresh, prefsCheck, resourcesCheck, type VerifyContext, type VerifyOptions } from './plex-verify.ts';

export { TOKEN_SECRET, type VerifyOptions };

export interface ApplyOptions {
  manualPort: boolean;
  customCertificate: boolean;
  /** The PKCS#12 export for PMS's custom-certificate prefs (needed when customCertificate is true). */
  certificate?: { path: string; passphrase: string; domain: string };
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
  /** The HTTP client (tests wrap the real one). */
  http?: HttpText;
  /** Where the PKCS#12 export comes from when apply asks for the custom certificate without giving one. */
  customCertificate?: () => Promise<ApplyOptions['certificate'] | null>;
  /** How verify waits for PMS to re-check reachability. */
  reachabilityPoll?: { everyMs: number; attempts: number };
}

type TokenOrigin = PlexDiscovery['token'];

/** How long apply/undo wait for another process changing the settings (each takes seconds). */
const SETTINGS_LOCK_WAIT_MS = 30_000;
interface Connected { pms: PmsClient; identity: PmsIdentity; token: string; origin: TokenOrigin }

export class PlexManager {
  private readonly o: PlexManagerOptions;
  private readonly log: Logger;
  private readonly changes: Emitter<PlexStatus>;
  private status: PlexStatus;
  private readonly signIn: PlexTvSignIn;
  private readonly settings: PlexSettingsApply;
  /** apply and undo run one at a time: both read, save and write the undo record. */
  private readonly applying = new SerialQueue();
  /** ... and one at a time across processes too (the service, `portico plex apply|undo`). */
  private readonly lock: FileLock;
  /** Which token source connect() tried last (for discover's answer when all failed). */
  private lastOrigin: TokenOrigin = 'none';

  /** The manager for the config's PMS, names and public port (the service and `portico plex` both build it here). */
  static fromConfig(
    c: Config & { dataDir: string },
    deps: Pick<PlexManagerOptions, 'secrets' | 'logger' | 'clock'> & Partial<Pick<PlexManagerOptions, 'plexTvBaseUrl' | 'tokenSources' | 'reachabilityPoll' | 'customCertificate'>>,
  ): PlexManager {
    return new PlexManager({ ...deps, plex: c.plex, domains: c.domains, publicHttpsPort: c.door.publicHttpsPort, dataDir: c.dataDir });
  }

  constructor(o: PlexManagerOptions) {
    this.o = o;
    this.log = o.logger.child('plex');
    this.log.addSecret(o.plex.token);
    this.changes = new Emitter('Plex status', this.log);
    this.status = { state: 'unknown', url: o.plex.url, signedIn: false, applied: false };
    this.signIn = new PlexTvSignIn({ pmsUrl: o.plex.url, dataDir: o.dataDir, secrets: o.secrets, logger: this.log, clock: o.clock, plexTvBaseUrl: o.plexTvBaseUrl, http: o.http });
    this.settings = new PlexSettingsApply({ dataDir: o.dataDir, pmsUrl: o.plex.url, clock: o.clock, logger: this.log });
    this.lock = new FileLock(new DataDir(o.dataDir).plexLock);
  }

  /** URLs Portico publishes in customConnections: one per domain, always with an explicit port. */
  ourUrls(): string[] {
    return ourUrls(this.o.domains, this.o.publicHttpsPort);
  }

  getStatus(): PlexStatus {
    return structuredClone(this.status);
  }

  onDidChange(fn: (s: PlexStatus) => void): () => void {
    return this.changes.on(fn);
  }

  /** Is PMS there, which token do we have, and does it work? */
  async discover(): Promise<PlexDiscovery> {
    const c = await this.connect();
    const base: PlexDiscovery = { url: this.o.plex.url, found: false, token: 'none', tokenValid: false };
    if (c.ok) {
      const prefs = await c.value.pms.getPrefs();
      if (prefs.ok) {
        const applied = missingUrls(prefs.value, this.ourUrls()).length === 0;
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

  startPinSignIn(): Promise<Result<PinSignIn>> {
    return this.signIn.start();
  }

  async pollPinSignIn(): Promise<Result<{ state: 'waiting' | 'signed-in' | 'expired' }>> {
    const r = await this.signIn.poll();
    if (r.ok && r.value.state === 'signed-in') {
      this.update({ signedIn: true, tokenSource: 'signed-in', state: this.status.state === 'unreachable' ? 'unreachable' : 'signed-in', error: undefined });
    }
    return r;
  }

  /** The changes apply() would make, before/after, without changing anything. */
  async plan(opts: ApplyOptions): Promise<Result<PrefChange[]>> {
    const c = await this.connect();
    if (!c.ok) return c;
    const p = await this.compute(c.value, opts);
    return p.ok ? ok(p.value.plan.changes) : p;
  }

  apply(opts: ApplyOptions): Promise<Result<PrefChange[]>> {
    return this.exclusive(async () => {
      const c = await this.connect();
      if (!c.ok) return c;
      const p = await this.compute(c.value, opts);
      if (!p.ok) return p;
      if (p.value.plan.changes.length === 0) {
        this.update({ applied: true, state: 'configured' });
        return ok([]);
      }
      const r = await this.settings.apply(c.value.pms, c.value.identity.machineIdentifier, p.value.prefs, p.value.plan);
      if (r.ok) this.update({ applied: true, state: 'configured', error: undefined });
      return r;
    });
  }

  /** Put back exactly the values saved before Portico's changes, and only those. */
  undo(): Promise<Result<PrefChange[]>> {
    return this.exclusive(async () => {
      const record = await this.settings.read();
      if (!record) {
        this.update({ applied: false });
        return ok([]);
      }
      const c = await this.connect();
      if (!c.ok) return c;
      const r = await this.settings.undo(c.value.pms, c.value.identity.machineIdentifier, record);
      if (r.ok) this.update({ applied: false, state: 'signed-in', error: undefined });
      return r;
    });
  }

  /** Prove it works, one plain-words check at a time. */
  async verify(opts: VerifyOptions = {}): Promise<Check[]> {
    const x: VerifyContext = {
      pmsUrl: this.o.plex.url, urls: this.ourUrls(), clock: this.o.clock, http: this.o.http,
      reachabilityPoll: this.o.reachabilityPoll ?? { everyMs: 1000, attempts: 30 }, onStatus: (patch) => this.update(patch),
    };
    const c = await this.connect();
    if (!c.ok) {
      return [
        { id: 'plex-server', title: 'Plex Media Server answers', ok: false, detail: c.error.message, fix: c.error.fix },
        await doorCheck(x, opts, undefined),
      ];
    }
    const { pms, identity, token } = c.value;
    return [
      await prefsCheck(x, pms, (await this.settings.read())?.applied ?? {}),
      await mappingAfterRefresh(x, pms),
      await resourcesCheck(x, await this.signIn.tv(), token, identity.machineIdentifier),
      await doorCheck(x, opts, identity.machineIdentifier),
    ];
  }

  // ---- internals ----

  /** One settings change at a time, in this process (the queue) and across processes (the lock file). */
  private exclusive(fn: () => Promise<Result<PrefChange[]>>): Promise<Result<PrefChange[]>> {
    return this.applying.run(async () => {
      const held = await this.lock.acquire(this.o.clock, SETTINGS_LOCK_WAIT_MS);
      if (!held) {
        return err({
          code: 'plex-busy',
          message: 'Another Portico process has been changing the Plex Media Server settings for more than 30 seconds.',
          fix: 'Wait for it to finish (see "portico status" or the dashboard), then run the command again.',
        });
      }
      try { return await fn(); } finally { await held.release(); }
    });
  }

  private update(patch: Partial<PlexStatus>): void {
    const next = { ...this.status, ...patch };
    if (next.error === undefined) delete next.error;
    for (const k of Object.keys(next) as (keyof PlexStatus)[]) if (next[k] === undefined) delete next[k];
    if (JSON.stringify(next) === JSON.stringify(this.status)) return;
    this.status = next;
    this.changes.emit(this.getStatus());
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
    const anon = new PmsClient(this.o.plex.url, null, { http: this.o.http });
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
      const pms = new PmsClient(this.o.plex.url, cand.token, { http: this.o.http });
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
    const tv = await this.signIn.tv();
    const user = await tv.user(token);
    if (!user.ok) return e401;
    const res = await tv.resources(token);
    if (!res.ok) return e401;
    const mine = res.value.find((r) => r.clientIdentifier === machineIdentifier);
    if (!mine || !mine.owned) return notOwnerError(this.o.plex.url, user.value.username);
    return e401;
  }

  /** PMS's prefs and the plan over them; the certificate comes from the option when not given. */
  private async compute(c: Connected, opts: ApplyOptions): Promise<Result<{ plan: SettingsPlan; prefs: PmsSetting[] }>> {
    const prefs = await c.pms.getPrefs();
    if (!prefs.ok) return prefs;
    let certificate: ApplyOptions['certificate'] | null = null;
    if (opts.customCertificate) {
      certificate = opts.certificate ?? (await this.o.customCertificate?.()) ?? null;
      if (!certificate) {
        return err({
          code: 'plex-certificate-missing',
          message: "Portico cannot set PMS's custom certificate: no PKCS#12 export of the certificate is available yet.",
          fix: 'Get the certificate first (Certificates > Get certificate), or apply without the custom-certificate option.',
        });
      }
      this.log.addSecret(certificate.passphrase);
    }
    const record = await this.settings.read();
    const retired = record?.machineIdentifier === c.identity.machineIdentifier ? addedUrls(record) : [];
    const plan = planSettings(prefs.value, { urls: this.ourUrls(), retired, manualPort: opts.manualPort ? this.o.publicHttpsPort : null, certificate }, this.o.plex.url);
    return plan.ok ? ok({ plan: plan.value, prefs: prefs.value }) : plan;
  }
}
