/**
 * Runs the probes behind the health verdict (shared/checks.ts): at start, on a schedule, after
 * every event that can change a result (an IP change, a renewal, a config change, PMS coming
 * back) and on demand (Verify). It keeps each probe's latest results with their time, so the
 * status always carries what was last seen and when; a probe that is running for the first time
 * shows as under way, and a re-run keeps showing the previous result until the new one is in.
 */
import type { Check, CheckArea } from '../../shared/checks.ts';
import type { Clock, Timer } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';

export interface Probe {
  /** A stable name, for the log and for keeping its results apart from the others'. */
  name: string;
  /** The area its results count for when they do not name one. */
  area: CheckArea;
  /** Plain words for "under way" while it runs the first time. */
  title: string;
  run(opts: { force: boolean }): Promise<Check[]>;
}

export interface CheckRunnerOptions {
  /** The probes that apply to the current config (asked again before every run). */
  probes: () => Probe[];
  clock: Clock;
  logger: Logger;
  /** Results changed. */
  changed: () => void;
  /** Re-run everything this often. [15 min] */
  intervalMs?: number;
  /** Several events close together make one run. [2 s] */
  settleMs?: number;
}

const INTERVAL_MS = 15 * 60_000;
const SETTLE_MS = 2_000;

export class CheckRunner {
  private readonly o: CheckRunnerOptions;
  private readonly log: Logger;
  private readonly latest = new Map<string, Check[]>();
  private readonly firstRuns = new Set<string>();
  private current: Promise<Check[]> | null = null;
  private again: { force: boolean } | null = null;
  private schedule: Timer | null = null;
  private settle: Timer | null = null;
  private running = false;

  constructor(o: CheckRunnerOptions) {
    this.o = o;
    this.log = o.logger.child('checks');
  }

  /** Run now, then every interval. */
  start(): void {
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.schedule?.cancel();
    this.settle?.cancel();
    this.schedule = this.settle = null;
  }

  /** Something that can change a result happened: run again shortly (events close together make one run). */
  trigger(reason: string): void {
    if (!this.running) return;
    this.log.debug('re-running the checks', { reason });
    this.settle?.cancel();
    this.settle = this.o.clock.setTimer(() => { this.settle = null; void this.run(); }, this.o.settleMs ?? SETTLE_MS);
  }

  /**
   * Run every probe that applies (in parallel) and return their results. A run asked for while
   * one is under way starts after it, once (`force` if any caller forced).
   */
  run(opts: { force?: boolean } = {}): Promise<Check[]> {
    const force = !!opts.force;
    if (this.current) {
      this.again = { force: force || !!this.again?.force };
      return this.current.then(() => this.current ?? this.results());
    }
    this.current = this.runOnce(force).finally(() => {
      this.current = null;
      const next = this.again;
      this.again = null;
      if (next) void this.run(next);
      else if (this.running) {
        this.schedule?.cancel();
        this.schedule = this.o.clock.setTimer(() => { this.schedule = null; void this.run(); }, this.o.intervalMs ?? INTERVAL_MS);
      }
    });
    return this.current;
  }

  /** The latest results of the probes that apply now, with "under way" for a first run. */
  results(): Check[] {
    const out: Check[] = [];
    for (const p of this.o.probes()) {
      const got = this.latest.get(p.name);
      if (got) out.push(...got);
      else if (this.firstRuns.has(p.name)) out.push({ id: `${p.name}-running`, area: p.area, title: p.title, ok: null, running: true, detail: `Checking: ${p.title.charAt(0).toLowerCase()}${p.title.slice(1)}…` });
    }
    return out;
  }

  private async runOnce(force: boolean): Promise<Check[]> {
    const probes = this.o.probes();
    for (const p of probes) if (!this.latest.has(p.name)) this.firstRuns.add(p.name);
    this.o.changed();
    await Promise.all(probes.map(async (p) => {
      const at = new Date(this.o.clock.now()).toISOString();
      let got: Check[];
      try {
        got = await p.run({ force });
      } catch (e) {
        this.log.warn('a check failed to run', { probe: p.name, error: e });
        got = [{ id: p.name, title: p.title, ok: false, detail: `The check itself failed: ${(e as Error).message}.`, fix: 'Run the checks again; if it repeats, export a diagnostics bundle.' }];
      }
      this.latest.set(p.name, got.map((c) => ({ ...c, area: c.area ?? p.area, ...(c.at || c.notApplicable ? {} : { at }) })));
      this.firstRuns.delete(p.name);
      this.o.changed();
    }));
    // Forget probes that no longer apply (a domain removed, the HTTP door turned off).
    const names = new Set(probes.map((p) => p.name));
    for (const k of [...this.latest.keys()]) if (!names.has(k)) this.latest.delete(k);
    return this.results();
  }
}
