import type { Clock, Timer } from '../../main/core/support/clock.ts';

/** A clock tests move by hand: timers fire in order as `advance` passes their due time. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: { id: number; due: number; fn: () => void }[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number { return this.t; }

  setTimer(fn: () => void, ms: number): Timer {
    const id = ++this.seq;
    this.timers.push({ id, due: this.t + Math.max(0, ms), fn });
    return { cancel: () => { this.timers = this.timers.filter((x) => x.id !== id); } };
  }

  /** Due times of pending timers, soonest first. */
  pending(): number[] { return this.timers.map((x) => x.due).sort((a, b) => a - b); }

  /** Move time forward, firing due timers (and awaiting microtasks between them). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due || a.id - b.id);
      const next = this.timers[0];
      if (!next || next.due > end) break;
      this.timers.shift();
      this.t = next.due;
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
    await new Promise((r) => setImmediate(r));
  }
}
