/** Run a call and show what went wrong in `area` instead of throwing into the void. */
import { ConnectionError, UnauthorizedError } from '../api-client.ts';
import { notice, replaceChildren } from '../dom.ts';

export async function attempt<T>(area: HTMLElement, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof UnauthorizedError) return undefined; // the app shows the sign-in screen
    const msg = e instanceof ConnectionError ? e.message : `Something unexpected went wrong (${e instanceof Error ? e.message : String(e)}).`;
    replaceChildren(area, notice('error', msg, undefined, 'Try again. If it keeps happening, export diagnostics from the dashboard and include them in a bug report.', 'call-error'));
    return undefined;
  }
}
