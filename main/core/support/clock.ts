/** Time is injected everywhere (renewal windows, retry schedules, lease renewals) so tests control it. */
export interface Timer { cancel(): void }

export interface Clock {
  now(): number;
  /** Like setTimeout, but cancellable through the returned handle and unref'd (never keeps the process alive). */
  setTimer(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // setTimeout's ceiling is 2^31-1 ms (~24.8 days); longer waits re-arm.
    const MAX = 2 ** 31 - 1;
    let t: NodeJS.Timeout;
    const arm = (left: number) => {
      t = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(Math.max(0, left), MAX));
      t.unref();
    };
    arm(ms);
    return { cancel: () => clearTimeout(t) };
  },
};
