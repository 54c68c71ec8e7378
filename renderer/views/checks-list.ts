/**
 * The checks behind the health verdict (shared/checks.ts), each with its result, when and from
 * where it was checked, and its evidence: the Verify step and the dashboard's Checks card show
 * the same list. Only a recent pass is shown as good; a check that did not run, does not apply or
 * ran too long ago says so in its own words.
 */
import { isStale, type Check, type CheckArea } from '../../main/shared/checks.ts';
import { h, ICON, type NoticeKind } from '../dom.ts';
import { formatDate, relative } from '../format.ts';

export type CheckState = 'passed' | 'failed' | 'running' | 'not-applicable' | 'not-checked' | 'stale';

const LOOK: Record<CheckState, { kind: NoticeKind; word: string; icon: string }> = {
  passed: { kind: 'ok', word: 'Passed', icon: ICON.ok },
  failed: { kind: 'error', word: 'Failed', icon: ICON.error },
  running: { kind: 'info', word: 'Checking now', icon: '…' },
  'not-applicable': { kind: 'info', word: 'Does not apply', icon: '–' },
  'not-checked': { kind: 'warning', word: 'Not checked yet', icon: '?' },
  stale: { kind: 'warning', word: 'Not checked recently', icon: '?' },
};

/** Who looked: only the CA's validation comes from the internet; plex.tv says what it tells apps. */
const FROM: Partial<Record<CheckArea, string>> = {
  outside: 'by the certificate authority, from the internet',
  'plex-published': 'as plex.tv reports it',
  router: 'from this computer, as your router reports it',
};
export const checkedFrom = (c: Check): string => (c.area && FROM[c.area]) ?? 'from this computer';

export function checkState(c: Check, now: number): CheckState {
  if (c.notApplicable) return 'not-applicable';
  if (c.ok === false) return 'failed';
  if (c.ok === null) return c.running ? 'running' : 'not-checked';
  return isStale(c, now) ? 'stale' : 'passed';
}

/** "checked 3 minutes ago by …", or "live" for a part whose state Portico holds itself. */
function when(c: Check, state: CheckState, now: number): string {
  if (state === 'not-applicable' || state === 'not-checked' || state === 'running') return '';
  if (!c.at) return `live, ${checkedFrom(c)}`;
  return `checked ${relative(c.at, now)} (${formatDate(c.at)}) ${checkedFrom(c)}`;
}

export function checksList(checks: readonly Check[], opts: { now: number; testid: string }): HTMLElement {
  return h('ul', { class: 'checklist', 'data-testid': opts.testid },
    checks.map((c) => {
      const state = checkState(c, opts.now);
      const look = LOOK[state];
      const time = when(c, state, opts.now);
      return h('li', { class: `check check-${look.kind}`, 'data-testid': `check-${c.id}`, 'data-ok': String(c.ok), 'data-state': state },
        h('span', { class: 'icon', 'aria-hidden': 'true' }, look.icon),
        h('div', {},
          h('p', { class: 'check-title' }, c.title, h('span', { class: 'check-state', 'data-testid': 'check-state' }, ` — ${look.word}`)),
          c.detail ? h('p', { class: 'check-detail' }, c.detail) : null,
          time ? h('p', { class: 'check-when hint' }, c.at ? h('time', { datetime: c.at }, time) : time) : null,
          state === 'failed' && c.fix ? h('p', { class: 'check-fix' }, h('strong', {}, 'Fix: '), c.fix) : null,
          state === 'stale' ? h('p', { class: 'check-fix' }, h('strong', {}, 'Fix: '), 'Run the checks again (Verify); Portico also re-runs them on its own.') : null));
    }));
}
