import { appendFileSync, readFileSync, renameSync, statSync } from 'node:fs';
import type { EventRecord } from '../../shared/api.ts';
import type { Clock } from '../support/clock.ts';
import { Emitter } from '../support/emitter.ts';

const EVENT_LOG_CAPACITY = 200;
/** The file is rotated (one older file kept) past this size: a few thousand events. */
const ROTATE_BYTES = 512 * 1024;

export interface EventLogOptions {
  clock: Clock;
  capacity?: number;
  redact?: (s: string) => string;
  /**
   * Keep the events on disk (JSON lines, 0600), so the renewal history and what happened survive
   * a restart; `<file>.1` holds the previous rotation.
   */
  file?: string;
  /** Writing the file failed (a full disk): the events stay in memory. */
  onWriteError?: (e: unknown) => void;
}

/**
 * Recent happenings (cert renewed, PMS unreachable, mapping added) for the dashboard and the
 * diagnostics bundle. A bounded ring in memory (the service runs for months, so old entries
 * drop off), optionally backed by a rotated file. Messages pass through `redact` before they
 * are kept anywhere, so a secret that slipped into an error text never reaches the UI or the disk.
 */
export class EventLog {
  private readonly records: EventRecord[] = [];
  /** A failing listener must not stop the others or the caller. */
  private readonly added = new Emitter<EventRecord>('event');
  private readonly o: EventLogOptions;
  private readonly capacity: number;
  private readonly redact: (s: string) => string;
  private writeFailed = false;

  constructor(opts: EventLogOptions) {
    this.o = opts;
    this.capacity = Math.max(1, opts.capacity ?? EVENT_LOG_CAPACITY);
    this.redact = opts.redact ?? ((s) => s);
    if (opts.file) this.records.push(...readEvents(opts.file).slice(-this.capacity));
  }

  add(kind: string, level: EventRecord['level'], message: string): EventRecord {
    const rec: EventRecord = { time: new Date(this.o.clock.now()).toISOString(), kind, level, message: this.redact(message) };
    this.records.push(rec);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    this.persist(rec);
    this.added.emit(rec);
    return rec;
  }

  /** Oldest first. */
  list(): EventRecord[] {
    return this.records.map((r) => ({ ...r }));
  }

  onDidAdd(fn: (e: EventRecord) => void): () => void {
    return this.added.on(fn);
  }

  /** Events are rare and small: a synchronous append keeps them in order without a queue. */
  private persist(rec: EventRecord): void {
    const file = this.o.file;
    if (!file) return;
    try {
      if (sizeOf(file) > ROTATE_BYTES) renameSync(file, `${file}.1`);
      appendFileSync(file, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
      this.writeFailed = false;
    } catch (e) {
      // Said once per run of failures, not for every event.
      if (!this.writeFailed) this.o.onWriteError?.(e);
      this.writeFailed = true;
    }
  }
}

function sizeOf(file: string): number {
  try { return statSync(file).size; } catch { return 0; }
}

/** The rotated file, then the current one; lines that are not an event (a torn last write) are skipped. */
function readEvents(file: string): EventRecord[] {
  const out: EventRecord[] = [];
  for (const f of [`${file}.1`, file]) {
    let text: string;
    try { text = readFileSync(f, 'utf8'); } catch { continue; }
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as EventRecord;
        if (typeof r.time === 'string' && typeof r.kind === 'string' && typeof r.message === 'string' && ['info', 'warning', 'error'].includes(r.level)) out.push(r);
      } catch { /* skip */ }
    }
  }
  return out;
}
