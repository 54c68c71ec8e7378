import { button, h, notice, replaceChildren } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { callThenShow } from '../views/call-then-show.ts';
import { settingsTable } from '../views/settings-table.ts';
import { undoPlex } from '../views/undo-plex.ts';

export function plexSettingsStep(ctx: StepContext): StepView {
  const manualPort = h('input', { type: 'checkbox', id: 'plex-manual-port', 'data-testid': 'plex-manual-port', checked: true });
  const customCert = h('input', { type: 'checkbox', id: 'plex-custom-cert', 'data-testid': 'plex-custom-cert' });
  const plan = h('div', { 'aria-live': 'polite' });
  const result = h('div', { class: 'stack', 'aria-live': 'polite' });
  const opts = () => ({ manualPort: manualPort.checked, customCertificate: customCert.checked });

  async function showPlan(): Promise<void> {
    const r = await callThenShow(plan, () => ctx.api['plex:plan'](opts()), { busy: 'Reading the current Plex settings…', errorTestid: 'plex-plan-error' });
    if (r?.ok) replaceChildren(plan, settingsTable(r.value, 'What Portico will change in Plex Media Server', 'plex-plan-table'));
  }

  async function apply(): Promise<void> {
    const r = await callThenShow(result, () => ctx.api['plex:apply'](opts()), { errorTestid: 'plex-apply-error' });
    if (!r?.ok) return;
    replaceChildren(result, notice('ok', 'Plex Media Server now uses your domain.', 'Portico saved the previous values; "Undo" puts them back exactly.', undefined, 'plex-applied'),
      settingsTable(r.value, 'What Portico changed', 'plex-apply-result'));
    ctx.announce('Plex settings applied.');
    await ctx.complete('plex-settings');
    await showPlan();
  }

  async function undo(): Promise<void> {
    const restored = await undoPlex(ctx.api, result, ctx.status().domains[0]);
    if (!restored) return;
    ctx.announce(restored.length ? 'Plex settings restored.' : 'Nothing to undo.');
    await showPlan();
  }

  manualPort.addEventListener('change', () => void showPlan());
  customCert.addEventListener('change', () => void showPlan());
  void showPlan();
  return {
    body: h('div', { class: 'stack' },
      h('fieldset', { class: 'choices' },
        h('legend', {}, 'Options'),
        h('div', { class: 'choice' }, manualPort, h('label', { for: 'plex-manual-port' }, 'Set “Manually specify public port” to the router’s HTTPS port')),
        h('div', { class: 'choice' }, customCert, h('label', { for: 'plex-custom-cert' }, 'Also give Plex this certificate for its own secure connections (advanced)'))),
      plan,
      h('div', { class: 'actions' },
        button('Apply to Plex', { testid: 'plex-apply', class: 'btn btn-primary' }, apply),
        button('Undo Portico’s changes', { testid: 'plex-undo', class: 'btn btn-secondary' }, undo)),
      result),
  };
}
