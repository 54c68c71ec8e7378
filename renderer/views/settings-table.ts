/** Plex Media Server settings before and after a plan, an apply or an undo. */
import type { PrefChange } from '../../main/shared/api.ts';
import { h, table } from '../dom.ts';

export function settingsTable(changes: PrefChange[], caption: string, testid: string): HTMLElement {
  if (!changes.length) return h('p', { 'data-testid': testid }, 'Nothing to change: Plex already has these settings.');
  return table(caption, ['Setting', 'Now', 'After'],
    changes.map((c) => [c.label, h('code', { 'data-testid': `pref-before-${c.id}` }, c.before || '(empty)'), h('code', { 'data-testid': `pref-after-${c.id}`, class: c.before === c.after ? null : 'changed' }, c.after || '(empty)')]),
    testid);
}
