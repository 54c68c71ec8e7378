/**
 * Keeps one certificate for the configured names valid forever: loads the last good one from
 * disk, hands it to the door, checks every 10 minutes (injected clock) whether the renewal
 * window is open (ARI, else a third of the lifetime left, at a random point inside the window;
 * at once in an emergency or when the files on disk are damaged), issues under a cross-process
 * lock, retries on a fixed growing schedule (retry-state.ts), stops on errors retrying cannot
 * fix, and re-exports PKCS#12 after every renewal.
 *
 * Longer than ~300 lines on purpose: the renewal loop, issuing and the status it reports share one
 * state (the certificate in use, the order in flight, the retry state); the policy, retry state,
 * pre-flight, lock, store and PKCS#12 pieces are already their own files.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { ChallengeType, Config } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import type { CertificateStatus, CertificatesStatus } from '../../shared/status/certificates.ts';
import type { ChallengeStore } from './challenge-store.ts';
import type { Clock, Timer } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import { Emitter } from '../support/emitter.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { createDnsProvider, type DnsProvider } from '../dns/dns-provider.ts';
import { AcmeIssuer } from './acme-issuer.ts';
import { FileLock } from '../support/file-lock.ts';
import { CertStore, type StoredCert } from './cert-store.ts';
import type { IssueFailure, Issuer } from './issuer.ts';
import { pkcs12Passphrase } from './pkcs12-passphrase.ts';
import { Preflight } from './preflight.ts';
import { CHECK_INTERVAL_MS, isEmergency, lifetimeWindow, pickRenewalTime } from './renewal-policy.ts';
import { RetryState } from './retry-state.ts';
import { RenewalTime, type ChosenRenewal } from './renewal-time.ts';

export interface CertManagerOptions {
  domains: string[];
  acme: Config['acme'];
  dns: Config['dns'];
  dataDir: string;
  secrets: SecretStore;
  challenges: ChallengeStore;
  clock: Clock;
  logger: Logger;
  onCertificate(hosts: string[], pem: { key: string; cert: string }, kind: 'placeholder' | 'real'): void;
  /** For the random point inside the renewal window. */
  random?: () => number;
  /** Replace the ACME issuer (tests, other CAs); built from `acme` when absent. */
  issuer?: Issuer;
  /** Passed to the ACME issuer: wait after publishing a dns-01 TXT record. */
  dnsPropagationMs?: number;
  /** How long renewNow waits for another process holding the issuing lock. */
  lockWaitMs?: number;
  /**
   * Asked before the first order for these names when the CA must reach the door (no dns-01): why
   * to wait (the name does not point here yet), or null. Waiting is a retryable failure, so the
   * retry schedule asks again.
   */
  beforeFirstOrder?: (names: string[]) => Promise<{ message: string; fix: string } | null>;
}

/** `cert-damaged`: the current files on disk are unusable; `status.damaged` says which fallback is served. */
export type CertEvent = { kind: 'cert-obtained' | 'cert-renewed' | 'cert-failed' | 'cert-damaged'; status: CertificateStatus; nextAttemptAt?: string };

const ARI_RECHECK_MS = 6 * 3600_000;

export class CertManager {
  private readonly o: CertManagerOptions;
  private readonly store: CertStore;
  private readonly lock: FileLock;
  private readonly log: Logger;
  private readonly random: () => number;
  private dns: DnsProvider | null = null;
  private issuerInstance: Issuer | null;
  private current: StoredCert | null = null;
  private renewAt: ChosenRenewal | null = null;
  private readonly renewalTime: RenewalTime;
  private readonly retry: RetryState;
  private readonly preflights: Preflight;
  /** Why the current files on disk are unusable (null: they are fine, or there are none yet). */
  private damaged: string | null = null;
  private inFlight: Promise<Result<CertificateStatus>> | null = null;
  private timer: Timer | null = null;
  private running = false;
  private challengeRotation = 0;
  private pkcs12Exported = false;
  private preflightChallenge: ChallengeType | undefined;
  private readonly events: Emitter<CertEvent>;
  /** Events of the attempt in flight, told once it is over, so listeners read its outcome and not "renewing". */
  private deferred: CertEvent['kind'][] = [];

  /** The manager for the config's names, CA and DNS provider (the service and `portico cert` both build it here). */
  static fromConfig(c: Config & { dataDir: string }, deps: Pick<CertManagerOptions, 'secrets' | 'challenges' | 'clock' | 'logger' | 'onCertificate' | 'beforeFirstOrder'>): CertManager {
    return new CertManager({ ...deps, domains: c.domains, acme: c.acme, dns: c.dns, dataDir: c.dataDir });
  }

  constructor(opts: CertManagerOptions) {
    this.o = opts;
    this.store = new CertStore(opts.dataDir, opts.domains);
    this.lock = new FileLock(this.store.files.lock);
    this.log = opts.logger.child('certs');
    this.events = new Emitter('certificate event', this.log);
    this.retry = new RetryState({ file: this.store.files.retryState, fingerprint: this.configHash(), logger: this.log });
    this.renewalTime = new RenewalTime({ file: this.store.files.renewal, logger: this.log });
    this.preflights = new Preflight({ file: this.store.files.preflight, directoryUrl: opts.acme.directoryUrl, domains: opts.domains, keyType: opts.acme.keyType, logger: this.log });
    this.random = opts.random ?? Math.random;
    this.issuerInstance = opts.issuer ?? null;
  }

  private async issuer(directoryUrl = this.o.acme.directoryUrl): Promise<Issuer> {
    if (this.issuerInstance && directoryUrl === this.o.acme.directoryUrl) return this.issuerInstance;
    if (!this.dns && this.o.dns.provider) this.dns = createDnsProvider(this.o.dns.provider, this.log);
    const caPem = this.o.acme.caFile ? await readFile(this.o.acme.caFile, 'utf8') : null;
    const issuer = new AcmeIssuer({
      directoryUrl, caPem, email: this.o.acme.email, eab: this.o.acme.eab, secrets: this.o.secrets, challenges: this.o.challenges, dns: this.dns, logger: this.log, clock: this.o.clock,
      ...(this.o.dnsPropagationMs !== undefined ? { dnsPropagationMs: this.o.dnsPropagationMs } : {}),
    });
    if (directoryUrl === this.o.acme.directoryUrl) this.issuerInstance = issuer;
    return issuer;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.restore(true);
    this.schedule(0);
  }

  /**
   * Read the certificate and the retry state from disk without scheduling anything (what
   * `portico cert show` needs); the status then includes the next renewal time.
   */
  async load(): Promise<CertificatesStatus> {
    await this.restore(false);
    await this.dueAt();
    return this.getStatus();
  }

  private async restore(adopt: boolean): Promise<void> {
    const loaded = await this.store.load();
    for (const p of loaded.problems) this.log.warn('skipped a certificate on disk', { problem: p });
    if (loaded.cert) {
      if (adopt) this.adopt(loaded.cert);
      else this.current = loaded.cert;
    }
    // A changed config (new token, other challenge, other CA) deserves a fresh start.
    await this.retry.load();
    this.damaged = loaded.damaged;
    if (this.damaged) {
      this.log.error('the certificate files on disk are damaged', { dir: this.store.dir, problem: this.damaged, serving: loaded.cert ? 'previous' : 'placeholder' });
      this.emit('cert-damaged');
    }
  }

  private configHash(): string {
    return createHash('sha256').update(JSON.stringify([this.o.domains, this.o.acme, this.o.dns.provider])).digest('hex');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
    await this.inFlight?.catch(() => {});
  }

  onDidChange(fn: (ev: CertEvent) => void): () => void {
    return this.events.on(fn);
  }

  private emit(kind: CertEvent['kind']): void {
    if (this.inFlight) {
      this.deferred.push(kind);
      return;
    }
    const status = this.status();
    const ev: CertEvent = { kind, status, ...(status.nextAttemptAt && kind === 'cert-failed' ? { nextAttemptAt: status.nextAttemptAt } : {}) };
    this.events.emit(ev);
  }

  private adopt(c: StoredCert): void {
    this.current = c;
    this.o.onCertificate(this.o.domains, { key: c.key, cert: c.cert }, 'real');
    this.log.info('certificate in use', { domains: c.meta.domains, notAfter: c.leaf.validTo, source: c.source });
  }

  /** Arm the next check: at the retry time if one is due sooner, else in 10 minutes. */
  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = this.o.clock.setTimer(() => { void this.check(); }, Math.max(0, ms));
  }

  private async check(): Promise<void> {
    const now = this.o.clock.now();
    const due = await this.dueAt();
    // dueAt() may have waited on the CA (ARI): stop() can have come in meanwhile.
    if (due !== null && due <= now && !this.inFlight && this.running) {
      await this.attempt(false);
    }
    const next = await this.dueAt();
    this.schedule(next === null ? CHECK_INTERVAL_MS : Math.min(CHECK_INTERVAL_MS, next - this.o.clock.now()));
  }

  /** When the next issuance should happen (null: nothing to do until something changes). */
  private async dueAt(): Promise<number | null> {
    if (this.retry.stoppedBy) return null;
    if (this.retry.nextAttemptAt !== null) return this.retry.nextAttemptAt;
    // Damaged files: a new certificate writes a good set again, so the next start serves it.
    if (!this.current || this.damaged) return this.o.clock.now();
    const c = this.current;
    const life = { notBefore: Date.parse(c.leaf.validFrom), notAfter: Date.parse(c.leaf.validTo) };
    if (isEmergency(life, this.o.clock.now())) return this.o.clock.now();
    // ARI windows may move (e.g. before a mass revocation): ask again every 6 hours.
    const serial = c.leaf.serialNumber;
    // Another process (or this one before a restart) may have chosen already: use its choice.
    if (this.renewAt?.serial !== serial) this.renewAt = await this.renewalTime.load(serial);
    const stale = this.renewAt?.window.source === 'ari' && this.o.clock.now() - this.renewAt.checkedAt > ARI_RECHECK_MS;
    if (this.renewAt?.serial !== serial || stale) {
      const ari = await this.issuer().then((i) => i.renewalInfo(c.cert)).catch(() => null);
      const window = ari ?? lifetimeWindow(life);
      // A time still inside a re-read window stays: the renewal time moves only when it must.
      const kept = this.renewAt?.serial === serial && this.renewAt.at >= window.start && this.renewAt.at <= window.end ? this.renewAt.at : null;
      this.renewAt = { serial, at: kept ?? pickRenewalTime(window, this.random), window, checkedAt: this.o.clock.now() };
      await this.renewalTime.save(this.renewAt);
    }
    return this.renewAt.at;
  }

  /** What `auto` may use, the door's own port 443 first (port 80 is often blocked by ISPs). */
  private candidates(): ChallengeType[] {
    if (this.o.acme.challenge !== 'auto') return [this.o.acme.challenge];
    if (this.o.domains.some((d) => d.startsWith('*.'))) return ['dns-01'];
    return ['tls-alpn-01', 'http-01', ...(this.o.dns.provider ? ['dns-01' as const] : [])];
  }

  private challengeFor(): ChallengeType {
    const c = this.candidates();
    // The pre-flight's finding first; after a challenge failure, rotate to the next candidate.
    const start = this.preflightChallenge ? Math.max(0, c.indexOf(this.preflightChallenge)) : 0;
    return c[(start + this.challengeRotation) % c.length]!;
  }

  /** Issue or renew now. `force` renews even when the current certificate is not due and clears a stop. */
  async renewNow(opts: { force?: boolean; staging?: boolean } = {}): Promise<Result<CertificateStatus>> {
    if (opts.staging) {
      const r = await this.preflight();
      return r.ok ? ok({ ...this.status(), staging: true }) : r;
    }
    if (opts.force) this.retry.stoppedBy = null;
    if (this.inFlight) return this.inFlight;
    if (!this.current && !this.running) {
      const loaded = await this.store.load();
      if (loaded.cert) this.current = loaded.cert;
    }
    return this.attempt(!!opts.force, this.o.lockWaitMs ?? 120_000);
  }

  private attempt(force: boolean, lockWaitMs = 0): Promise<Result<CertificateStatus>> {
    // A thrown error here is local I/O (lock, store, acme.caFile): a failure to report and retry,
    // never a rejection, which would crash the service from the timer and leave it unscheduled.
    const run = this.runAttempt(force, lockWaitMs)
      .catch((e: unknown) => this.failed({ code: 'cert-store-failed', retryable: true, message: `Could not read or write the certificate files in ${this.store.dir} (${(e as Error).message}).`, fix: 'Check the disk has space and that the data directory (and acme.caFile, if set) can be read and written by the user Portico runs as; Portico tries again on its schedule.' }))
      .finally(() => {
        this.inFlight = null;
        for (const kind of this.deferred.splice(0)) this.emit(kind);
      })
      // The status as it is once the attempt is over (inside it, it still says "renewing").
      .then((r) => (r.ok ? ok(this.status()) : r));
    this.inFlight = run;
    return run;
  }

  private async runAttempt(force: boolean, lockWaitMs: number): Promise<Result<CertificateStatus>> {
    const clock = this.o.clock;
    const held = await this.lock.acquire(clock, lockWaitMs);
    if (!held) {
      this.log.info('another Portico process is issuing this certificate; checking again later');
      this.retry.nextAttemptAt = clock.now() + 60_000;
      return err({ code: 'cert-busy', message: 'Another Portico process is obtaining this certificate right now.', fix: 'Wait a minute and look again (portico cert show).' });
    }
    try {
      // Check again under the lock: another process may have renewed while we waited.
      const loaded = await this.store.load();
      const onDisk = loaded.cert;
      if (onDisk && (!this.current || onDisk.leaf.serialNumber !== this.current.leaf.serialNumber)) {
        const newer = !this.current || Date.parse(onDisk.leaf.validTo) > Date.parse(this.current.leaf.validTo);
        if (newer) {
          this.adopt(onDisk);
          this.retry.nextAttemptAt = null;
          this.retry.failures = 0;
          this.damaged = loaded.damaged;
          const due = await this.dueAt();
          if (!force && (due === null || due > this.o.clock.now())) return ok(this.status());
        }
      }
      if (!force && this.current && this.retry.nextAttemptAt === null) {
        const due = await this.dueAt();
        if (due !== null && due > this.o.clock.now()) return ok(this.status());
      }
      if (!this.current && this.o.beforeFirstOrder && !this.candidates().includes('dns-01')) {
        const held = await this.o.beforeFirstOrder(this.o.domains);
        if (held) return await this.failed({ code: 'dns-not-ready', retryable: true, ...held });
      }
      if (this.o.acme.preflight) {
        const found = await this.preflights.passed();
        if (found && this.candidates().includes(found)) this.preflightChallenge = found;
        if (!found && !this.current) {
          const pre = await this.preflight();
          if (!pre.ok) return err(pre.error);
        }
      }
      return await this.issueLocked();
    } finally {
      await held.release();
    }
  }

  private async issueLocked(): Promise<Result<CertificateStatus>> {
    const challenge = this.challengeFor();
    const hadCert = !!this.current;
    this.log.info('requesting a certificate', { domains: this.o.domains, challenge, directory: this.o.acme.directoryUrl });
    const r = await (await this.issuer()).issue({ domains: this.o.domains, keyType: this.o.acme.keyType, challenge });
    if (!r.ok) return this.failed(r.error);
    await this.store.save(r.value, { domains: this.o.domains, issuedAt: new Date(this.o.clock.now()).toISOString(), directoryUrl: this.o.acme.directoryUrl, challenge });
    const saved = (await this.store.load()).cert;
    if (!saved) return this.failed({ code: 'cert-store-failed', retryable: true, message: `The new certificate could not be read back from ${this.store.dir}.`, fix: 'Check the disk has space and the data directory is writable.' });
    this.retry.succeeded();
    this.damaged = null;
    await this.retry.save();
    this.adopt(saved);
    // Choose (and save) its renewal time now, so the answer and every other process show it.
    await this.dueAt();
    await this.exportPkcs12().catch((e: unknown) => this.log.warn('PKCS#12 export failed', { error: (e as Error).message }));
    this.emit(hadCert ? 'cert-renewed' : 'cert-obtained');
    return ok(this.status());
  }

  private async failed(f: IssueFailure): Promise<Result<CertificateStatus>> {
    const now = this.o.clock.now();
    if (/challenge/.test(f.code)) this.challengeRotation++;
    this.retry.failed(f, now);
    const next = this.retry.nextAttemptAt;
    if (next === null) this.log.error('certificate request failed; not retrying (retrying cannot fix this)', { code: f.code, message: f.message });
    else this.log.warn('certificate request failed; will try again', { code: f.code, message: f.message, nextAttemptAt: new Date(next).toISOString() });
    await this.retry.save();
    this.emit('cert-failed');
    if (this.running) this.schedule(next === null ? CHECK_INTERVAL_MS : Math.min(CHECK_INTERVAL_MS, next - now));
    return err({ code: f.code, message: f.message, ...(f.fix ? { fix: f.fix } : {}) });
  }

  /** Order against the staging CA (or the same directory for a test CA) to catch problems before production rate limits. */
  async preflight(): Promise<Result<void>> {
    const r = await this.preflights.run((url) => this.issuer(url), this.candidates(), this.o.clock.now());
    if (!r.ok) {
      await this.failed(r.error);
      return err({ code: r.error.code, message: r.error.message, ...(r.error.fix ? { fix: r.error.fix } : {}) });
    }
    if (r.value) {
      this.preflightChallenge = r.value;
      this.challengeRotation = 0;
    }
    return ok(undefined);
  }

  private status(): CertificateStatus {
    const now = this.o.clock.now();
    const c = this.current;
    const s: CertificateStatus = { domains: this.o.domains, state: 'none' };
    if (c) {
      const notAfter = Date.parse(c.leaf.validTo);
      s.issuer = /CN=([^\n,]+)/.exec(c.leaf.issuer)?.[1] ?? c.leaf.issuer;
      s.notBefore = new Date(c.leaf.validFrom).toISOString();
      s.notAfter = new Date(notAfter).toISOString();
      if (Number.isFinite(Date.parse(c.meta.issuedAt))) s.obtainedAt = new Date(c.meta.issuedAt).toISOString();
      const life = { notBefore: Date.parse(c.leaf.validFrom), notAfter };
      s.state = notAfter <= now ? 'expired' : this.retry.lastError && (isEmergency(life, now) || this.retry.stoppedBy) ? 'expiring' : 'valid';
      if (c.meta.challenge) s.challenge = c.meta.challenge as ChallengeType;
    } else if (this.retry.lastError) {
      s.state = 'failed';
    }
    if (this.inFlight) s.state = 'renewing';
    if (this.retry.stoppedBy && !c) s.state = 'failed';
    const next = this.retry.nextAttemptAt ?? (this.retry.stoppedBy ? null : this.renewAt?.at ?? null);
    if (next !== null) s.nextAttemptAt = new Date(next).toISOString();
    if (this.retry.lastError) s.lastError = this.retry.lastError;
    if (this.damaged) s.damaged = this.damagedStatus(this.damaged);
    if (c && this.renewAt?.serial === c.leaf.serialNumber) {
      s.renewalWindow = { start: new Date(this.renewAt.window.start).toISOString(), end: new Date(this.renewAt.window.end).toISOString(), source: this.renewAt.window.source };
    }
    if (this.pkcs12Exported) s.pkcs12Path = this.store.files.pkcs12;
    return s;
  }

  private damagedStatus(problem: string): NonNullable<CertificateStatus['damaged']> {
    const c = this.current;
    const serving = c ? 'previous' : 'placeholder';
    const fallback = c ? `the previous certificate (valid until ${new Date(c.leaf.validTo).toISOString().slice(0, 10)})` : 'the self-signed placeholder, which browsers and Plex apps do not trust';
    return {
      problem: `The certificate files in ${this.store.dir} are damaged (${problem}), so the door serves ${fallback}.`,
      serving,
      fix: 'Portico is ordering a new certificate now, which replaces the damaged files; if that fails, the error below says why. To restore the files yourself instead, put back cert.pem, key.pem and meta.json from a backup and restart Portico.',
    };
  }

  getStatus(): CertificatesStatus {
    return [this.status()];
  }

  /** Write `<dataDir>/certs/<name>/cert.p12` for PMS's custom-certificate setting; the passphrase lives in the SecretStore. */
  async exportPkcs12(): Promise<{ path: string; passphrase: string }> {
    const c = this.current ?? (await this.store.load()).cert;
    if (!c) throw new Error(`There is no certificate for ${this.o.domains.join(', ')} yet to export; run "portico cert renew" first.`);
    const passphrase = await pkcs12Passphrase(this.o.secrets, this.store.dir);
    this.log.addSecret(passphrase);
    const path = this.store.files.pkcs12;
    // node-forge (about 4 MB resident) only for the export, after an issuance or when asked.
    const { exportPkcs12 } = await import('./pkcs12-export.ts');
    await writeFileAtomic(path, exportPkcs12(c.key, c.cert, passphrase), 0o600);
    this.pkcs12Exported = true;
    return { path, passphrase };
  }
}
