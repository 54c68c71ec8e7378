/** Errors are values at boundaries (IPC, HTTP API, CLI); exceptions stay inside modules. */
export type Result<T, E = AppError> = { ok: true; value: T } | { ok: false; error: E };

/** An error a person can act on: what failed, why, and what to do next. Never carries secrets. */
export interface AppError {
  /** Stable machine-readable code, e.g. `port-in-use`, `acme-rate-limited`. */
  code: string;
  /** What failed and why, in plain words. */
  message: string;
  /** What the user should do next. */
  fix?: string;
}

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
