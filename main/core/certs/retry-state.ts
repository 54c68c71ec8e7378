/**
 * Where the certificate's retries stand: how many tries failed in a row, when the next one is
 * due, the last error, and whether Portico stopped because retrying cannot fix the error. Kept
 * on disk, so a crash loop never turns into a tight retry loop; forgotten when the config that
 * produced it (`fingerprint`: names, CA, challenge, DNS provider) changes.
 */
import { readFile } from 'node:fs/promises';
import type { CertificateStatus } from '../../shared/status/certificates.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import type { Logger } from '../support/logger.ts';
import type { IssueFailure } from './issuer.ts';
import { retryDelay } from './renewal-policy.ts';

type LastError = NonNullable<CertificateStatus['lastError']>;

interface PersistedState { failures: number; nextAttemptAt: number | null; stopped: boolean; lastError?: LastError; configHash?: string }

export class RetryState {
  failures = 0;
  /** Due time of the next try after a failure; null when none is pending. */
  nextAttemptAt: number | null = null;
  lastError: LastError | undefined;
  /** The error that made Portico stop trying (until the config changes or a forced renewal). */
  stoppedBy: IssueFailure | null = null;
  private readonly file: string;
  private readonly fingerprint: string;
  private readonly log: Logger;

  constructor(o: { file: string; fingerprint: string; logger: Logger }) {
    this.file = o.file;
    this.fingerprint = o.fingerprint;
    this.log = o.logger;
  }

  /** Read what a previous run left; a missing, unreadable or other-config file starts clean. */
  async load(): Promise<void> {
    let st: PersistedState;
    try {
      st = JSON.parse(await readFile(this.file, 'utf8')) as PersistedState;
    } catch {
      return;
    }
    if (st.configHash !== this.fingerprint) return;
    this.failures = st.failures;
    this.nextAttemptAt = st.nextAttemptAt;
    this.lastError = st.lastError;
    if (st.stopped && st.lastError) this.stoppedBy = { code: st.lastError.code, message: st.lastError.message, retryable: false, ...(st.lastError.fix ? { fix: st.lastError.fix } : {}) };
  }

  /** Count a failed try: stop on errors retrying cannot fix, else schedule the next one. */
  failed(f: IssueFailure, now: number): void {
    this.failures++;
    this.lastError = {
      code: f.code, message: f.message, ...(f.fix ? { fix: f.fix } : {}), at: new Date(now).toISOString(), retryable: f.retryable,
      ...(f.problem ? { problem: { type: f.problem.type, detail: f.problem.detail, ...(f.problem.status ? { status: f.problem.status } : {}) } } : {}),
    };
    if (!f.retryable) {
      this.stoppedBy = f;
      this.nextAttemptAt = null;
    } else {
      // Never sooner than the schedule; later if the CA asked (Retry-After / rateLimited).
      this.nextAttemptAt = now + Math.max(retryDelay(this.failures), f.retryAfterMs ?? 0);
    }
  }

  /** A certificate was obtained (here or by another process): nothing is pending. */
  succeeded(): void {
    this.failures = 0;
    this.nextAttemptAt = null;
    this.lastError = undefined;
    this.stoppedBy = null;
  }

  async save(): Promise<void> {
    const st: PersistedState = { failures: this.failures, nextAttemptAt: this.nextAttemptAt, stopped: !!this.stoppedBy, configHash: this.fingerprint, ...(this.lastError ? { lastError: this.lastError } : {}) };
    await writeFileAtomic(this.file, JSON.stringify(st, null, 2)).catch((e: unknown) => this.log.warn('could not save the retry state', { error: (e as Error).message }));
  }
}
