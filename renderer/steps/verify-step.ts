import type { Check } from '../../main/shared/checks.ts';
import { button, h, notice, replaceChildren } from '../dom.ts';
import { formatDate } from '../format.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { callThenShow } from '../views/call-then-show.ts';
import { checksList, checkState } from '../views/checks-list.ts';

/**
 * What the passes add up to. "Remote access works" is claimed only when the CA reached the door
 * from the internet; every other check runs from this computer and cannot see the router from outside.
 */
function passedSummary(checks: Check[], now: number): HTMLElement {
  const passed = checks.filter((c) => checkState(c, now) === 'passed').length;
  const outside = checks.find((c) => c.area === 'outside');
  const unchecked = checks.filter((c) => checkState(c, now) === 'not-checked' || checkState(c, now) === 'stale').length;
  const notRun = unchecked ? ` ${unchecked} could not be checked; see below.` : '';
  if (outside && checkState(outside, now) === 'passed' && outside.at) {
    return notice('ok', `All ${passed} checks passed. Remote access to Plex through your domain works: checked by the certificate authority from the internet at ${formatDate(outside.at)}, the rest from this computer.${notRun}`, undefined, undefined, 'verify-summary');
  }
  return notice(unchecked ? 'warning' : 'info', `All ${passed} checks that ran passed, from this computer.${notRun}`,
    `Whether Plex can be reached from the internet was not checked${outside?.detail ? `: ${outside.detail}` : '.'}`, undefined, 'verify-summary');
}

export function verifyStep(ctx: StepContext): StepView {
  const area = h('div', { class: 'stack', 'aria-live': 'polite' });
  const finish = h('div', { class: 'actions' });

  async function run(): Promise<void> {
    replaceChildren(finish);
    const r = await callThenShow(area, () => ctx.api['verify:run'](), { busy: 'Running the checks — this can take a few seconds…', errorTestid: 'verify-error' });
    if (!r?.ok) return;
    const failed = r.value.filter((c) => c.ok === false);
    const now = Date.now();
    replaceChildren(area,
      failed.length
        ? notice('error', `${failed.length} of ${r.value.length} checks failed.`, undefined, 'Each failed check below says what to do; the step list takes you back to any step. Then run the checks again.', 'verify-summary')
        : passedSummary(r.value, now),
      checksList(r.value, { now, testid: 'verify-checks' }));
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
