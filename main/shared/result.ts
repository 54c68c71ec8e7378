/**
 * The error convention inside Portico: one rule for every layer.
 *
 * 1. Values for what a person can act on. A failure the user can fix or wait out (PMS not
 *    running, the CA refused, a port in use, no domain yet) is an `AppError` value: code, what
 *    failed and why, what to do next. Managers' actions return `Result<T, AppError>`
 *    (CertManager.renewNow, PlexManager.plan/apply/undo/sign-in, PmsClient, DnsProvider); managers
 *    that keep running report failures in their status or checks instead (RouterManager,
 *    DdnsUpdater, PlexManager.discover/verify, Reachability).
 * 2. Exceptions for the unexpected: a bug, or I/O that should not fail (an unwritable data
 *    directory). Small helpers with one caller may also throw an Error whose message says what
 *    failed and what to do (PublicIpProvider.lookup, CertManager.exportPkcs12, Door.start's
 *    DoorStartError); the caller that knows what the failure means turns it into an AppError with
 *    its code — once.
 * 3. Handlers (core/service/api-handlers.ts) pass a manager's Result through untouched. They
 *    add errors only for states no manager owns (`setup-pending`: no domain chosen yet), never
 *    wrap, rename or re-code an AppError, and never catch exceptions.
 * 4. The boundaries turn exceptions into values: the IPC handlers (app/ipc-handlers.ts) and the
 *    headless HTTP API (core/ui/ui-server.ts) answer `internal-error` naming the channel and the
 *    message; the CLI prints the message and the fix and exits 1 (2 for usage and config).
 * An AppError never carries a secret (tokens, keys, passphrases), in any layer.
 */
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
