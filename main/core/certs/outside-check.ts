/**
 * The view from outside. A home server cannot see itself from the internet, but a certificate
 * authority can look for it: an ACME validation against a staging directory succeeds only when the
 * CA's validation servers reached the door from the internet under our name (tls-alpn-01 on 443,
 * http-01 on 80). Nothing is issued. The result is cached on disk and the CA is asked at most
 * every few hours (its limits: failed validations per name and hour), unless the user asks.
 */
import { readFile } from 'node:fs/promises';
import type { Check } from '../../shared/checks.ts';
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, type Config } from '../../shared/config.ts';
import type { Result } from '../../shared/result.ts';
import { firewallHint } from '../../shared/firewall-hint.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { DataDir } from '../support/data-dir.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { AcmeIssuer } from './acme-issuer.ts';
import type { ChallengeStore } from './challenge-store.ts';
import type { IssueFailure } from './issuer.ts';

export interface OutsideValidator {
  validate(domain: string, challenge: 'tls-alpn-01' | 'http-01'): Promise<Result<void, IssueFailure>>;
}

export interface OutsideCheckOptions {
  validator: OutsideValidator;
  /** The name the CA looks up (the primary domain). */
  domain: string;
  /** The CA validates tls-alpn-01 on 443 only: with another public port the check cannot run. */
  publicHttpsPort: number;
  /** Also ask about port 80 (an HTTP door exists). */
  checkPort80: boolean;
  /** e.g. "Let's Encrypt (staging)": who looked. */
  caName: string;
  /** What to say about this computer's firewall when the CA could not connect (shared/firewall-hint.ts). */
  firewallHint?: string;
  /** Where the last result is kept between restarts. */
  cachePath: string;
  clock: Clock;
  logger: Logger;
  /** Ask the CA at most this often unless forced. [4 h] */
  minIntervalMs?: number;
}

/** What the CA saw, kept on disk. */
export interface OutsideResult {
  at: string;
  domain: string;
  https: PortResult;
  http: PortResult | null;
}
interface PortResult { reached: boolean; message?: string; fix?: string; code?: string }

export type Port80 = 'open' | 'blocked' | null;

const DEFAULT_MIN_INTERVAL_MS = 4 * 3600_000;
/** The issuer's code for "the CA could not connect" (acme-problem.ts). */
const UNREACHABLE = 'acme-challenge-unreachable';
const TITLE = 'Reachable from the internet';

/**
 * Which directory looks from outside: Let's Encrypt's staging CA for Let's Encrypt and ZeroSSL
 * (no staging of its own; whose validation servers look makes no difference to the answer), a
 * custom or test directory itself.
 */
function outsideDirectory(url: string): { url: string; name: string } {
  if (url === LETS_ENCRYPT_PRODUCTION || url === LETS_ENCRYPT_STAGING || /zerossl\.com/.test(url)) return { url: LETS_ENCRYPT_STAGING, name: "Let's Encrypt's validation servers" };
  return { url, name: `The CA at ${new URL(url).host}` };
}

export class OutsideCheck {
  /** The check for the config's primary name, or null while no plain name is chosen. */
  static fromConfig(c: Config & { dataDir: string }, deps: { secrets: SecretStore; challenges: ChallengeStore; clock: Clock; logger: Logger; platform: string }): OutsideCheck | null {
    const domain = c.domains.find((d) => !d.startsWith('*.'));
    if (!domain) return null;
    const dir = outsideDirectory(c.acme.directoryUrl);
    let issuer: AcmeIssuer | null = null;
    const validator: OutsideValidator = {
      async validate(name, challenge) {
        issuer ??= new AcmeIssuer({
          directoryUrl: dir.url, caPem: c.acme.caFile ? await readFile(c.acme.caFile, 'utf8') : null, email: c.acme.email,
          eab: dir.url === c.acme.directoryUrl ? c.acme.eab : null, secrets: deps.secrets, challenges: deps.challenges, dns: null, logger: deps.logger,
        });
        return issuer.validate(name, challenge);
      },
    };
    return new OutsideCheck({
      validator, domain, publicHttpsPort: c.door.publicHttpsPort, checkPort80: c.door.httpPort !== null, caName: dir.name,
      firewallHint: firewallHint(deps.platform, c.door.httpsPorts),
      cachePath: new DataDir(c.dataDir).outsideCheck, clock: deps.clock, logger: deps.logger,
    });
  }

  private readonly o: OutsideCheckOptions;
  private last: OutsideResult | null = null;
  private loaded = false;
  private inFlight: Promise<OutsideResult | null> | null = null;

  constructor(o: OutsideCheckOptions) {
    this.o = o;
  }

  /** The name the CA is asked about. */
  get domain(): string {
    return this.o.domain;
  }

  /**
   * The checks from the CA's last look, asking it again when the cached answer is older than the
   * interval (or `force`). Never throws: a check that could not run says so.
   */
  async run(opts: { force?: boolean } = {}): Promise<Check[]> {
    await this.load();
    if (this.o.publicHttpsPort !== 443) return [this.notApplicable()];
    const fresh = this.last && this.last.domain === this.o.domain && this.o.clock.now() - Date.parse(this.last.at) < (this.o.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS);
    if (!fresh || opts.force) await (this.inFlight ??= this.ask().finally(() => { this.inFlight = null; }));
    return this.checks();
  }

  /** The checks from what is known now, without asking the CA. */
  checks(): Check[] {
    if (this.o.publicHttpsPort !== 443) return [this.notApplicable()];
    const r = this.last && this.last.domain === this.o.domain ? this.last : null;
    if (!r) return [{ id: 'outside', area: 'outside', title: TITLE, ok: null, running: this.inFlight !== null, detail: this.inFlight ? `Asking ${this.o.caName} to reach the door from the internet…` : 'Not checked yet.' }];
    const when = `${r.at.slice(0, 16).replace('T', ' ')} UTC`;
    if (r.https.reached) {
      return [{ id: 'outside', area: 'outside', title: TITLE, ok: true, at: r.at, detail: `${this.o.caName} reached https://${r.domain} on port 443 from the internet (checked ${when}).` }];
    }
    // A connection refused or timed out is as likely this computer's firewall as the router; a wrong answer is not.
    const firewall = r.https.code === UNREACHABLE && this.o.firewallHint ? ` ${this.o.firewallHint}` : '';
    return [{
      id: 'outside', area: 'outside', title: TITLE, ok: false, severity: 'error', at: r.at,
      detail: `${this.o.caName} could not reach https://${r.domain} on port 443 from the internet (checked ${when}): ${r.https.message ?? 'no answer'}`,
      fix: `${r.https.fix ?? 'Forward public port 443 on your router to this computer\'s HTTPS door.'}${firewall}`,
    }];
  }

  /** Port 80 from evidence: 443 reached and 80 not means the ISP or router blocks 80. */
  port80(): Port80 {
    const r = this.last;
    if (!r?.http || !r.https.reached) return null;
    return r.http.reached ? 'open' : 'blocked';
  }

  private notApplicable(): Check {
    return {
      id: 'outside', area: 'outside', title: TITLE, ok: null, notApplicable: true,
      detail: `Certificate authorities only connect to port 443, and your public port is ${this.o.publicHttpsPort}: this check cannot run. Open https://${this.o.domain}:${this.o.publicHttpsPort} from a phone on mobile data to test it.`,
    };
  }

  private async ask(): Promise<OutsideResult | null> {
    const log = this.o.logger.child('outside-check');
    try {
      const https = await this.port('tls-alpn-01');
      const http = this.o.checkPort80 && https.reached ? await this.port('http-01') : null;
      this.last = { at: new Date(this.o.clock.now()).toISOString(), domain: this.o.domain, https, http };
      log.info('outside check done', { domain: this.o.domain, https: https.reached, http: http?.reached ?? null });
      await writeFileAtomic(this.o.cachePath, JSON.stringify(this.last, null, 2), 0o600).catch((e: unknown) => log.warn('could not keep the outside check result', { error: e }));
      return this.last;
    } catch (e) {
      log.warn('outside check failed to run', { error: e });
      return null;
    }
  }

  private async port(challenge: 'tls-alpn-01' | 'http-01'): Promise<PortResult> {
    const r = await this.o.validator.validate(this.o.domain, challenge);
    if (r.ok) return { reached: true };
    return { reached: false, code: r.error.code, message: r.error.message, ...(r.error.fix ? { fix: r.error.fix } : {}) };
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      const v = JSON.parse(await readFile(this.o.cachePath, 'utf8')) as OutsideResult;
      if (typeof v.at === 'string' && typeof v.domain === 'string' && typeof v.https?.reached === 'boolean') this.last = v;
    } catch { /* no earlier result */ }
  }
}
