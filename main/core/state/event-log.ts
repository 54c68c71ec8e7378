import type { EventRecord } from '../../shared/api.ts';
import type { Clock } from '../support/clock.ts';

const EVENT_LOG_CAPACITY = 200;

/**
 * Recent happenings (cert renewed, PMS unreachable, mapping added) for the dashboard and the
 * diagnostics bundle. A bounded ring: the service runs for months, so old entries drop off.
 * Messages pass through `redact` so a secret that slipped into an error text never reaches the UI.
 */
export class EventLog {
  private readonly records: EventRecord[] = [];
  private readonly listeners = new Set<(e: EventRecord) => void>();
  private readonly clock: Clock;
  private readonly capacity: number;
  private readonly redact: (s: string) => string;

  constructor(opts: { clock: Clock; capacity?: number; redact?: (s: string) => string }) {
    this.clock = opts.clock;
    this.capacity = Math.max(1, opts.capacity ?? EVENT_LOG_CAPACITY);
    this.redact = opts.redact ?? ((s) => s);
  }

  add(kind: string, level: EventRecord['level'], message: string): EventRecord {
    const rec: EventRecord = { time: new Date(this.clock.now()).toISOString(), kind, level, message: this.redact(message) };
    this.records.push(rec);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    for (const fn of [...this.listeners]) {
      try { fn(rec); } catch { /* a failing listener must not stop the others or the caller */ }
    }
    return rec;
  }

  /** Oldest first. */
  list(): EventRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  onDidAdd(fn: (e: EventRecord) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }
}
