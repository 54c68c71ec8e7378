/**
 * The one way a view calls the service: say what is happening in `area`, make the call, and on
 * failure show the error there (with its fix) instead of throwing into the void. The caller
 * draws the success; a failed or thrown call has already been shown when this returns.
 */
import type { AppError, Result } from '../../main/shared/result.ts';
import { ConnectionError, UnauthorizedError } from '../api-client.ts';
import { errorNotice, h, notice, replaceChildren, type Child } from '../dom.ts';

export interface CallOptions<E extends AppError = AppError> {
  /** A loading message shown in `area` while the call runs (it ends in an ellipsis). */
  busy?: string;
  /** The test id of the error notice. */
  errorTestid: string;
  /** More to show under the error notice, e.g. what to do instead. */
  alsoOnError?: (e: E) => Child | Child[];
}

/** Make a call whose answer is a `Result`; `undefined` when it threw (the reason is on screen). */
export async function callThenShow<T, E extends AppError>(area: HTMLElement, call: () => Promise<Result<T, E>>, opts: CallOptions<E>): Promise<Result<T, E> | undefined> {
  const r = await attempt(area, call, opts.busy);
  if (r && !r.ok) replaceChildren(area, errorNotice(r.error, opts.errorTestid), opts.alsoOnError?.(r.error));
  return r;
}

/** Make a call that answers a plain value; `undefined` when it threw (the reason is on screen). */
export async function attempt<T>(area: HTMLElement, call: () => Promise<T>, busy?: string): Promise<T | undefined> {
  if (busy) replaceChildren(area, h('p', { role: 'status' }, busy));
  try {
    return await call();
  } catch (e) {
    if (e instanceof UnauthorizedError) return undefined; // the app shows the sign-in screen
    const msg = e instanceof ConnectionError ? e.message : `Something unexpected went wrong (${e instanceof Error ? e.message : String(e)}).`;
    replaceChildren(area, notice('error', msg, undefined, 'Try again. If it keeps happening, export diagnostics from the dashboard and include them in a bug report.', 'call-error'));
    return undefined;
  }
}
