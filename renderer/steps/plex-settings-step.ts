import type { PrefChange } from '../../main/shared/api.ts';
import { button, errorNotice, h, notice, replaceChildren, table } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { attempt } from './attempt.ts';

export function prefTable(changes: PrefChange[], caption: string, testid: string): HTMLElement {
  if (!changes.length) return h('p', { 'data-testid': testid }, 'Nothing to change: Plex already has these settings.');
  return table(caption, ['Setting', 'Now', 'After'],
    changes.map((c) => [c.label, h('code', { 'data-testid': `pref-before-${c.id}` }, c.before || '(empty)'), h('code', { 'data-testid': `pref-after-${c.id}`, class: c.before === c.after ? null : 'changed' }, c.after || '(empty)')]),
    testid);
}

export function plexSettingsStep(ctx: StepContext): StepView {
  const manualPort = h('input', { type: 'checkbox', id: 'plex-manual-port', 'data-testid': 'plex-manual-port', checked: true });
  const customCert = h('input', { type: 'checkbox', id: 'plex-custom-cert', 'data-testid': 'plex-custom-cert' });
  const plan = h('div', { 'aria-live': 'polite' });
  const result = h('div', { class: 'stack', 'aria-live': 'polite' });
  const opts = () => ({ manualPort: manualPort.checked, customCertificate: customCert.checked });

  async function showPlan(): Promise<void> {
    replaceChildren(plan, h('p', { role: 'status' }, 'Reading the current Plex settings…'));
    const r = await attempt(plan, () => ctx.api['plex:plan'](opts()));
    if (!r) return;
    replaceChildren(plan, r.ok ? prefTable(r.value, 'What Portico will change in Plex Media Server', 'plex-plan-table') : errorNotice(r.error, 'plex-plan-error'));
  }

  async function apply(): Promise<void> {
    const r = await attempt(result, () => ctx.api['plex:apply'](opts()));
    if (!r) return;
    if (!r.ok) { replaceChildren(result, errorNotice(r.error, 'plex-apply-error')); return; }
    replaceChildren(result, notice('ok', 'Plex Media Server now uses your domain.', 'Portico saved the previous values; "Undo" puts them back exactly.', undefined, 'plex-applied'),
      prefTable(r.value, 'What Portico changed', 'plex-apply-result'));
    ctx.announce('Plex settings applied.');
    await ctx.complete('plex-settings');
    await showPlan();
  }

  async function undo(): Promise<void> {
    const r = await attempt(result, () => ctx.api['plex:undo']());
    if (!r) return;
    if (!r.ok) { replaceChildren(result, errorNotice(r.error, 'plex-undo-error')); return; }
    replaceChildren(result, notice('info', 'Plex settings are back to what they were before Portico.', undefined, undefined, 'plex-undone'),
      prefTable(r.value, 'What Portico restored', 'plex-undo-result'));
    ctx.announce('Plex settings restored.');
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
