/**
 * Structured logger with secret redaction. Secrets (PMS token, ACME account key, DNS API tokens)
 * must never reach a log line: values registered with `addSecret` are masked wherever they appear,
 * and fields whose names look secret are masked whatever their value.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface LogRecord { time: string; level: LogLevel; scope: string; msg: string; fields?: Record<string, unknown> }
export type LogSink = (rec: LogRecord) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
  /** Register a secret value; it is masked in every later log line of this logger family. */
  addSecret(value: string | null | undefined): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|secret|password|passphrase|hmac|authorization|apikey|api_key|privatekey|private_key|accountkey/i;
export const REDACTED = '[redacted]';

export class Redactor {
  private readonly secrets = new Set<string>();
  add(v: string | null | undefined): void {
    if (v && v.length >= 4) this.secrets.add(v);
  }
  text(s: string): string {
    let out = s;
    for (const v of this.secrets) if (out.includes(v)) out = out.split(v).join(REDACTED);
    // X-Plex-Token in URLs, bearer tokens in headers
    return out.replace(/(X-Plex-Token=)[^&\s"']+/gi, `$1${REDACTED}`).replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, `$1${REDACTED}`);
  }
  value(v: unknown, depth = 0): unknown {
    if (typeof v === 'string') return this.text(v);
    if (v instanceof Error) return this.text(v.message);
    if (depth > 4 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.value(x, depth + 1));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = SECRET_KEY.test(k) && x != null ? REDACTED : this.value(x, depth + 1);
    return o;
  }
}

export function createLogger(opts: { level?: LogLevel; sink?: LogSink; scope?: string; redactor?: Redactor } = {}): Logger {
  const level = opts.level ?? 'info';
  const sink = opts.sink ?? consoleSink;
  const red = opts.redactor ?? new Redactor();
  const scope = opts.scope ?? 'portico';
  const emit = (l: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] < ORDER[level]) return;
    const rec: LogRecord = { time: new Date().toISOString(), level: l, scope, msg: red.text(msg) };
    if (fields) rec.fields = red.value(fields) as Record<string, unknown>;
    sink(rec);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (s) => createLogger({ level, sink, scope: `${scope}:${s}`, redactor: red }),
    addSecret: (v) => red.add(v),
  };
}

export function consoleSink(rec: LogRecord): void {
  const f = rec.fields ? ' ' + JSON.stringify(rec.fields) : '';
  process.stderr.write(`${rec.time} ${rec.level.padEnd(5)} [${rec.scope}] ${rec.msg}${f}\n`);
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ sink: () => {} });
