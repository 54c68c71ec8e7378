/**
 * Runs async jobs one at a time, in the order they were queued: a store's writes, a manager's
 * start/stop/renew, the service's config changes. A job that fails rejects only its own caller;
 * the jobs after it still run.
 */
export class SerialQueue {
  /** Settles when the last queued job has; never rejects, so one failure does not block the rest. */
  private tail: Promise<void> = Promise.resolve();

  /** Queue `job` after every job queued so far; its result (or error) goes to this caller only. */
  run<T>(job: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.then(() => {}, () => {});
    return result;
  }

  /** Resolves once every job queued so far has settled (never rejects). */
  idle(): Promise<void> {
    return this.tail;
  }
}
