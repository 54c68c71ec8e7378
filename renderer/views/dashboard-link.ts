/**
 * The headless dashboard's link, under Advanced: the link is the same across restarts, so a tab
 * or bookmark keeps working; "New link" retires every link given out before (a link that was
 * shared or leaked). This tab moves to the new link by itself.
 */
import type { PorticoApiClient } from '../../main/shared/api.ts';
import { button, h, notice, replaceChildren } from '../dom.ts';
import { callThenShow } from './call-then-show.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { copyButton } from './copy-button.ts';

export function dashboardLink(api: PorticoApiClient): HTMLElement {
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'link-result' });
  async function rotate(): Promise<void> {
    const yes = await confirmDialog({
      testid: 'rotate-confirm', title: 'Make a new dashboard link?', confirm: 'Make a new link',
      body: ['Every other tab, bookmark or computer that opened the old link is locked out and needs the new one. This tab switches to the new link by itself.'],
    });
    if (!yes) return;
    const r = await callThenShow(result, () => api['ui:rotate-link'](), { busy: 'Making a new link…', errorTestid: 'rotate-error' });
    if (!r?.ok) return;
    replaceChildren(result,
      notice('ok', 'New link made. The old link no longer works.', 'Bookmark the new one; `portico ui-link` prints it again on the computer that runs Portico.', undefined, 'rotate-done'),
      h('p', { class: 'copyable' }, h('code', { 'data-testid': 'new-link' }, r.value.url), copyButton(r.value.url, 'the new link', 'copy-new-link')));
  }
  return h('section', { class: 'stack', 'data-testid': 'dashboard-link', 'aria-labelledby': 'dashboard-link-h' },
    h('h3', { id: 'dashboard-link-h' }, 'Dashboard link'),
    h('p', { class: 'hint' }, 'This page opens from a private link that stays the same when Portico restarts. If the link was shared or copied somewhere it should not be, make a new one.'),
    button('New link…', { testid: 'rotate-link', class: 'btn btn-secondary' }, rotate),
    result);
}
