/**
 * The listeners of one kind of event, behind our `onDidX(fn)` shape (subscribing returns the
 * unsubscribe function). A listener that throws is logged and skipped: it never stops the
 * listeners after it, nor the code that emitted (a saved config, a renewed certificate, a new
 * event must not be undone by a bug in whoever watches them).
 */
import type { Logger } from './logger.ts';

export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  private readonly log: Pick<Logger, 'error'> | null;
  private readonly what: string;

  /** `what` names the event in the log line of a throwing listener, e.g. 'certificate event'. */
  constructor(what: string, log?: Pick<Logger, 'error'>) {
    this.what = what;
    this.log = log ?? null;
  }

  /** Call `fn` on every later emit until the returned function is called. */
  on(fn: (value: T) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Call each listener subscribed now (one added or removed meanwhile does not change this round). */
  emit(value: T): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(value);
      } catch (e) {
        this.log?.error(`${this.what} listener threw`, { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
