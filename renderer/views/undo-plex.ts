/**
 * Undo Portico's changes to Plex Media Server, from the dashboard or the Plex settings step:
 * ask first, then say what was restored — or that there was nothing to undo (an empty change
 * list: nothing was applied, or it was already undone).
 */
import type { PorticoApiClient, PrefChange } from '../../main/shared/api.ts';
import { notice, replaceChildren } from '../dom.ts';
import { callThenShow } from './call-then-show.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { settingsTable } from './settings-table.ts';

/** The restored settings, or undefined when the user said no or the call failed (shown in `area`). */
export async function undoPlex(api: PorticoApiClient, area: HTMLElement, domain: string | undefined, afterHint?: string): Promise<PrefChange[] | undefined> {
  const yes = await confirmDialog({
    testid: 'undo-confirm', title: 'Undo Portico’s changes to Plex?', confirm: 'Undo the changes',
    body: [
      'Portico puts back the Plex Media Server settings it changed, exactly as they were before.',
      `Plex apps then stop using ${domain ? `https://${domain}` : 'your domain'} until you apply the settings again.`,
    ],
  });
  if (!yes) return undefined;
  const r = await callThenShow(area, () => api['plex:undo'](), { busy: 'Restoring the Plex settings…', errorTestid: 'undo-error' });
  if (!r?.ok) return undefined;
  replaceChildren(area, r.value.length
    ? [notice('info', 'Plex settings are back to what they were before Portico.', undefined, afterHint, 'undo-done'), settingsTable(r.value, 'What Portico restored', 'undo-result')]
    : notice('info', 'Nothing to undo: Portico has not changed any Plex settings.', undefined, undefined, 'undo-nothing'));
  return r.value;
}
