import type { RouterStatus } from '../../main/shared/status/router.ts';
import { button, h, notice, replaceChildren } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { callThenShow } from '../views/call-then-show.ts';
import { findingsList } from '../views/findings-list.ts';
import { forwardingTable, routerNow } from '../views/router-rows.ts';
import { forwarding } from '../../main/shared/forwarding.ts';

const manualSaved = () => notice('ok', 'Saved: you forward the ports on your router yourself.', undefined, undefined, 'router-manual-saved');

export function routerStep(ctx: StepContext): StepView {
  const auto = h('div', { class: 'stack', 'aria-live': 'polite', 'data-testid': 'router-auto-result' });
  const diag = h('div', { class: 'stack', 'aria-live': 'polite' });
  const manualResult = h('div', {});
  const nowArea = h('div', { 'aria-live': 'polite' });
  const drawNow = (r: RouterStatus) => replaceChildren(nowArea, routerNow(r, 'router-now', 'router-mappings'));
  /** The router state the last "Map ports" success message describes; cleared once the router says otherwise. */
  let claimed: RouterStatus['state'] | null = null;

  async function map(): Promise<void> {
    claimed = null;
    const r = await callThenShow(auto, () => ctx.api['router:map'](), {
      busy: 'Asking your router to open the ports (UPnP, NAT-PMP or PCP)…', errorTestid: 'router-map-error',
      alsoOnError: () => h('p', {}, 'Your router did not accept automatic mapping. Forward the ports yourself with the numbers below, then choose "I have forwarded these ports".'),
    });
    if (!r) return;
    if (!r.ok) {
      drawNow(ctx.status().router);
      await diagnose();
      return;
    }
    const mapped = r.value.state === 'mapped';
    claimed = r.value.state;
    replaceChildren(auto,
      mapped ? notice('ok', 'Your router opened the ports.', r.value.externalAddress ? `Router's outside address: ${r.value.externalAddress}` : undefined, undefined, 'router-mapped')
        : notice('warning', 'Your router opened only some ports.', r.value.error, 'Forward the missing ports yourself with the numbers below.', 'router-partial'));
    drawNow(r.value);
    if (mapped) await ctx.complete('router');
    await diagnose();
  }

  async function diagnose(): Promise<void> {
    const r = await callThenShow(diag, () => ctx.api['router:diagnose'](), { busy: 'Checking whether the internet can reach this computer…', errorTestid: 'router-diagnose-error' });
    if (!r?.ok) return;
    replaceChildren(diag, h('h3', {}, 'Reachability'), findingsList(r.value, 'router-findings'),
      button('Check again', { testid: 'router-diagnose', class: 'btn btn-secondary' }, diagnose));
  }

  async function manualDone(): Promise<void> {
    const r = await callThenShow(manualResult, () => ctx.api['config:update']({ router: { mode: 'manual' } }), { errorTestid: 'router-manual-error' });
    if (!r?.ok) return;
    ctx.setConfig(r.value);
    replaceChildren(manualResult, manualSaved());
    await ctx.complete('router');
    await diagnose();
  }

  const cfg = ctx.config();
  const lan = cfg.lanAddress ?? ctx.status().router.lanAddress ?? 'this computer’s LAN address';
  const rows = forwarding({ ...cfg.door, mapPlexPort: cfg.router.mapPlexPort });
  drawNow(ctx.status().router);
  // Coming back to the step: the manual choice is part of the saved config, so show it again.
  if (cfg.router.mode === 'manual') replaceChildren(manualResult, manualSaved());

  return {
    body: h('div', { class: 'stack' },
      h('section', { class: 'card', 'aria-labelledby': 'router-auto-h' },
        h('h3', { id: 'router-auto-h' }, 'Automatic'),
        h('p', {}, 'Most home routers let Portico open the ports itself. Portico only ever removes mappings it made.'),
        h('div', { class: 'actions' }, button('Map ports automatically', { testid: 'router-map', class: 'btn btn-primary' }, map)),
        auto, nowArea),
      h('section', { class: 'card', 'aria-labelledby': 'router-manual-h' },
        h('h3', { id: 'router-manual-h' }, 'Or forward the ports yourself'),
        h('p', {}, 'In your router’s settings, find “Port forwarding” (sometimes “Virtual servers” or “NAT”) and add these rules:'),
        forwardingTable(rows.map((r) => ({ ...r, internalClient: lan })), 'router-manual-rows'),
        h('div', { class: 'actions' }, button('I have forwarded these ports', { testid: 'router-manual-done', class: 'btn btn-secondary' }, manualDone)),
        manualResult),
      diag),
    onStatus: (s) => {
      drawNow(s.router);
      // A success message must not outlive the success (a later failure, or a lease that lapsed).
      if (claimed && s.router.state !== claimed && s.router.state !== 'discovering') { claimed = null; replaceChildren(auto); }
    },
  };
}
