import { performance } from 'node:perf_hooks';

/**
 * A timeout armed again and again on a hot path (several times per request on a keep-alive
 * connection) at the cost of two field writes: arming records when it is due and leaves a timer
 * that is already pending alone. That timer was set for an earlier due time (a deadline's length
 * never changes), so it fires first, finds the deadline moved and sleeps again for what is left;
 * a timer that finds it disarmed just ends. So a deadline re-armed on every request costs one
 * timer per `ms`, not one timer operation per request. Time is `performance.now()` (monotonic: a
 * wall-clock jump, as when a NAS syncs its clock after boot, neither fires a limit early nor late);
 * `arm(now)` takes a reading the caller already has. `dispose()` releases the timer (call it when
 * the owner goes away).
 */
export class Deadline {
  private readonly ms: number;
  private readonly onExpire: () => void;
  private timer: NodeJS.Timeout | null = null;
  private armed = false;
  /** When it expires (`performance.now()` ms), while armed. */
  private due = 0;

  constructor(ms: number, onExpire: () => void) {
    this.ms = ms;
    this.onExpire = onExpire;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  /** Expire `ms` after `now`, restarting the count when already armed. */
  arm(now = performance.now()): void {
    this.armed = true;
    this.due = now + this.ms;
    this.timer ??= setTimeout(this.fire, this.ms);
  }

  disarm(): void {
    this.armed = false;
  }

  dispose(): void {
    this.armed = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private readonly fire = (): void => {
    this.timer = null;
    if (!this.armed) return;
    const left = this.due - performance.now();
    if (left > 0) {
      this.timer = setTimeout(this.fire, left);
      return;
    }
    this.armed = false;
    this.onExpire();
  };
}
