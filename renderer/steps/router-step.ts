import type { RouterStatus } from '../../main/shared/status/router.ts';
import { button, h, notice, replaceChildren } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { callThenShow } from '../views/call-then-show.ts';
import { findingsList } from '../views/findings-list.ts';
import { forwardingTable, routerNow } from '../views/router-rows.ts';
import { forwarding } from '../../main/shared/forwarding.ts';
import { networkAddresses } from '../views/network-addresses.ts';

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
    // "Automatically" after choosing manual (or with router handling off) means: let Portico ask the router again.
    const mode = ctx.config().router.mode;
    if (mode === 'manual' || mode === 'off') {
      const c = await callThenShow(auto, () => ctx.api['config:update']({ router: { mode: 'auto' } }), { errorTestid: 'router-map-error' });
      if (!c?.ok) return;
      ctx.setConfig(c.value);
      replaceChildren(manualResult);
    }
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
        : r.value.state === 'partial' ? notice('warning', 'Your router opened only some ports.', r.value.error, 'Forward the missing ports yourself with the numbers below.', 'router-partial')
          // Nothing was asked of the router (it answers no mapping protocol): no claim about what it opened.
          : notice('warning', 'Portico could not open the ports itself.', r.value.error, 'Forward the ports yourself with the numbers below.', 'router-not-mapped'));
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
  const rowsArea = h('div', {});
  const addressesArea = h('div', { 'aria-live': 'polite' });
  let shownKey = '';
  /** Redrawn only when an address changes, so a status push never takes focus from a Copy button. */
  function drawAddresses(r: RouterStatus): void {
    // The routing table's answer first (what the service forwards to); the config view's guess only before it.
    const lan = r.lanAddress ?? ctx.config().lanAddress ?? undefined;
    const key = JSON.stringify([lan, r.gateway, r.publicAddress, r.publicAddressError]);
    if (key === shownKey) return;
    shownKey = key;
    const c = ctx.config();
    const rows = forwarding({ ...c.door, mapPlexPort: c.router.mapPlexPort });
    replaceChildren(addressesArea, networkAddresses({ ...r, ...(lan ? { lanAddress: lan } : {}) }, 'router-addresses'));
    replaceChildren(rowsArea, lan
      ? forwardingTable(rows.map((w) => ({ name: w.name, externalPort: w.externalPort, internalClient: lan, internalPort: w.internalPort, transport: w.transport })), 'router-manual-rows')
      : notice('warning', 'Portico has not found this computer’s LAN address yet.', 'The rules below need it as the address to forward to.', 'Check the network connection; the rules appear here once the address is known.', 'router-no-lan'));
  }
  drawNow(ctx.status().router);
  drawAddresses(ctx.status().router);
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
        rowsArea,
        h('p', {}, 'The addresses these rules and your domain’s A record need:'),
        addressesArea,
        h('div', { class: 'actions' }, button('I have forwarded these ports', { testid: 'router-manual-done', class: 'btn btn-secondary' }, manualDone)),
        manualResult),
      diag),
    onStatus: (s) => {
      drawNow(s.router);
      drawAddresses(s.router);
      // A success message must not outlive the success (a later failure, or a lease that lapsed).
      if (claimed && s.router.state !== claimed && s.router.state !== 'discovering') { claimed = null; replaceChildren(auto); }
    },
  };
}
