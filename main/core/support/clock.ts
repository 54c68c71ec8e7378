/** Time is injected everywhere (renewal windows, retry schedules, lease renewals) so tests control it. */
export interface Timer { cancel(): void }

export interface Clock {
  now(): number;
  /**
   * Like setTimeout, but cancellable through the returned handle and unref'd (never keeps the
   * process alive) unless `ref`: a wait that an operation is awaiting (a CLI command waiting for
   * a lock or for DNS to propagate) must keep the process alive until it is over.
   */
  setTimer(fn: () => void, ms: number, opts?: { ref?: boolean }): Timer;
}

/** Wait `ms` on `clock`, keeping the process alive meanwhile (see `ref`). */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => { clock.setTimer(resolve, ms, { ref: true }); });
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms, opts) {
    // setTimeout's ceiling is 2^31-1 ms (~24.8 days); longer waits re-arm.
    const MAX = 2 ** 31 - 1;
    let t: NodeJS.Timeout;
    const arm = (left: number) => {
      t = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(Math.max(0, left), MAX));
      if (!opts?.ref) t.unref();
    };
    arm(ms);
    return { cancel: () => clearTimeout(t) };
  },
};
