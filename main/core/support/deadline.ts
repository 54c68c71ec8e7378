/**
 * A timeout armed again and again on a hot path (once per request on a keep-alive connection)
 * without allocating: one Node timer, made at the first arm and moved with `Timeout.refresh()`.
 * Disarming only clears a flag; the timer, if still pending, fires later, finds the flag unset and
 * does nothing. `dispose()` releases the timer (call it when the owner goes away).
 */
export class Deadline {
  private readonly ms: number;
  private readonly onExpire: () => void;
  private timer: NodeJS.Timeout | null = null;
  private armed = false;

  constructor(ms: number, onExpire: () => void) {
    this.ms = ms;
    this.onExpire = onExpire;
  }

  get isArmed(): boolean {
    return this.armed;
  }

  /** Expire `ms` from now, restarting the count when already armed. */
  arm(): void {
    this.armed = true;
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(this.fire, this.ms);
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
    if (!this.armed) return;
    this.armed = false;
    this.onExpire();
  };
}
