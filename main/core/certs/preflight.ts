/**
 * The pre-flight: one order against the staging CA before the first production order, so a
 * port that is not forwarded or a DNS token that is wrong costs nothing against Let's Encrypt's
 * production limits (5 failed validations per name per hour). With `auto` it tries each
 * candidate challenge and remembers the first that got through: that is what is reachable.
 */
import { readFile } from 'node:fs/promises';
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, type ChallengeType, type Config } from '../../shared/config.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import type { Logger } from '../support/logger.ts';
import type { IssueFailure, Issuer } from './issuer.ts';

/** The staging twin of a production directory; a test or private CA is its own staging. */
export function stagingDirectory(url: string): string | null {
  if (url === LETS_ENCRYPT_PRODUCTION) return LETS_ENCRYPT_STAGING;
  if (/zerossl\.com/.test(url)) return null; // ZeroSSL has no staging CA
  return url;
}

interface PreflightRecord { directoryUrl: string; domains: string[]; challenge: ChallengeType; at: string }

export class Preflight {
  private readonly o: { file: string; directoryUrl: string; domains: string[]; keyType: Config['acme']['keyType']; logger: Logger };

  constructor(o: Preflight['o']) {
    this.o = o;
  }

  /** The challenge a passed pre-flight for these names and this CA found; null when none passed. */
  async passed(): Promise<ChallengeType | null> {
    try {
      const p = JSON.parse(await readFile(this.o.file, 'utf8')) as PreflightRecord;
      return p.directoryUrl === this.o.directoryUrl && p.domains.join(',') === this.o.domains.join(',') ? p.challenge : null;
    } catch {
      return null;
    }
  }

  /**
   * Order from staging with each candidate until one gets through (a failure other than a
   * challenge stops at once). The challenge that worked, or null when there is no staging CA.
   */
  async run(issuerFor: (directoryUrl: string) => Promise<Issuer>, candidates: ChallengeType[], now: number): Promise<Result<ChallengeType | null, IssueFailure>> {
    const staging = stagingDirectory(this.o.directoryUrl);
    if (!staging) return ok(null);
    const issuer = await issuerFor(staging);
    let challenge: ChallengeType | undefined;
    let r: Awaited<ReturnType<Issuer['issue']>> | undefined;
    for (const c of candidates) {
      challenge = c;
      this.o.logger.info('pre-flight order against the staging CA', { directory: staging, challenge: c });
      r = await issuer.issue({ domains: this.o.domains, keyType: this.o.keyType, challenge: c });
      if (r.ok || !/challenge/.test(r.error.code)) break;
    }
    if (!r || !challenge) return ok(null);
    if (!r.ok) return err({ ...r.error, message: `Pre-flight against the staging CA failed: ${r.error.message}` });
    const record: PreflightRecord = { directoryUrl: this.o.directoryUrl, domains: this.o.domains, challenge, at: new Date(now).toISOString() };
    await writeFileAtomic(this.o.file, JSON.stringify(record));
    return ok(challenge);
  }
}
