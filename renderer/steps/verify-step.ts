import { button, checklist, h, notice, replaceChildren } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { callThenShow } from '../views/call-then-show.ts';

export function verifyStep(ctx: StepContext): StepView {
  const area = h('div', { class: 'stack', 'aria-live': 'polite' });
  const finish = h('div', { class: 'actions' });

  async function run(): Promise<void> {
    replaceChildren(finish);
    const r = await callThenShow(area, () => ctx.api['verify:run'](), { busy: 'Running the checks — this can take a few seconds…', errorTestid: 'verify-error' });
    if (!r?.ok) return;
    const failed = r.value.filter((c) => c.ok === false);
    const passed = r.value.filter((c) => c.ok === true).length;
    replaceChildren(area,
      failed.length
        ? notice('error', `${failed.length} of ${r.value.length} checks failed.`, undefined, 'Each failed check below says what to do; the step list takes you back to any step. Then run the checks again.', 'verify-summary')
        : notice('ok', `All ${passed} checks passed. Remote access to Plex through your domain works.`, undefined, undefined, 'verify-summary'),
      checklist(r.value, 'verify-checks'));
    ctx.announce(failed.length ? `${failed.length} checks failed.` : 'All checks passed.');
    if (!r.value.length) return;
    // Finishing with red checks is the owner's choice; the dashboard's verdict is over the same checks, so they stay in view there.
    replaceChildren(finish, failed.length
      ? [button(`Finish with ${failed.length} warning${failed.length > 1 ? 's' : ''}`, { testid: 'verify-finish-warnings', class: 'btn btn-secondary' }, () => ctx.finish()),
        h('p', { class: 'hint', 'data-testid': 'verify-finish-hint' }, 'The dashboard keeps showing what failed and what to do, and Portico re-runs these checks on its own.')]
      : button('Finish and open the dashboard', { testid: 'verify-finish', class: 'btn btn-primary' }, () => ctx.finish()));
  }

  void run();
  return {
    body: h('div', { class: 'stack' },
      h('div', { class: 'actions' }, button('Run the checks again', { testid: 'verify-run', class: 'btn btn-secondary' }, run)),
      area, finish),
  };
}
