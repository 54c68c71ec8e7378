import type { Finding, RouterStatus } from '../../main/shared/status/router.ts';
import { button, errorNotice, h, ICON, notice, replaceChildren, table, type NoticeKind } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { attempt } from './attempt.ts';
import { forwarding } from '../../main/shared/forwarding.ts';

const SEVERITY: Record<Finding['severity'], NoticeKind> = { ok: 'ok', info: 'info', warning: 'warning', error: 'error' };

export function findingsList(findings: Finding[], testid: string): HTMLElement {
  if (!findings.length) return h('p', { 'data-testid': testid }, 'Nothing to report.');
  return h('ul', { class: 'checklist', 'data-testid': testid },
    findings.map((f) => h('li', { class: `check check-${SEVERITY[f.severity]}`, 'data-testid': `finding-${f.id}`, 'data-severity': f.severity },
      h('span', { class: 'icon', 'aria-hidden': 'true' }, ICON[SEVERITY[f.severity]]),
      h('div', {},
        h('p', { class: 'check-title' }, h('span', { class: 'visually-hidden' }, `${f.severity}: `), f.title),
        f.detail ? h('p', { class: 'check-detail' }, f.detail) : null,
        f.fix ? h('p', { class: 'check-fix' }, h('strong', {}, 'Fix: '), f.fix) : null))));
}

export function mappingsTable(r: RouterStatus, testid: string): HTMLElement {
  if (!r.mappings.length) return h('p', { 'data-testid': testid }, 'Portico has no port mappings on your router.');
  return table('Port mappings on your router', ['Outside port', 'Goes to', 'How', 'State'],
    r.mappings.map((m) => [`${m.externalPort}/${m.transport}`, `${m.internalClient}:${m.internalPort}`, m.protocol.toUpperCase(), m.error ? `${m.state}: ${m.error}` : m.state]), testid);
}

function routerSummary(r: RouterStatus): string {
  switch (r.state) {
    case 'off': return r.mode === 'off' ? 'Automatic port mapping is off.' : 'Portico has not asked your router yet.';
    case 'discovering': return 'Looking for your router…';
    case 'mapped': return 'Your router forwards the ports to this computer.';
    case 'partial': return 'Your router forwards only some of the ports.';
    case 'manual': return r.error ? 'Portico cannot open the ports itself; forward them by hand.' : 'You forward the ports on your router yourself.';
    case 'error': return 'Automatic port mapping failed.';
  }
}

/**
 * The router as the service sees it right now: state, why it failed, and the mappings. Drawn
 * from every status push, so a failed re-map or a lapsed lease never leaves old "mapped" rows up.
 */
export function routerNow(r: RouterStatus, testid: string, mappingsTestid: string): HTMLElement {
  const problem = r.state === 'error' || r.state === 'partial' || (r.state === 'manual' && !!r.error);
  return h('div', { class: 'stack', 'data-testid': testid, 'data-state': r.state },
    h('p', { 'data-testid': `${testid}-state` }, h('strong', {}, 'Now: '), routerSummary(r)),
    r.error ? h('p', { class: problem ? 'error-text' : null, 'data-testid': `${testid}-error` }, r.error) : null,
    mappingsTable(r, mappingsTestid));
}

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
    replaceChildren(auto, h('p', { role: 'status' }, 'Asking your router to open the ports (UPnP, NAT-PMP or PCP)…'));
    const r = await attempt(auto, () => ctx.api['router:map']());
    if (!r) return;
    if (!r.ok) {
      replaceChildren(auto, errorNotice(r.error, 'router-map-error'),
        h('p', {}, 'Your router did not accept automatic mapping. Forward the ports yourself with the numbers below, then choose "I have forwarded these ports".'));
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
    replaceChildren(diag, h('p', { role: 'status' }, 'Checking whether the internet can reach this computer…'));
    const r = await attempt(diag, () => ctx.api['router:diagnose']());
    if (!r) return;
    if (!r.ok) { replaceChildren(diag, errorNotice(r.error, 'router-diagnose-error')); return; }
    replaceChildren(diag, h('h3', {}, 'Reachability'), findingsList(r.value, 'router-findings'),
      button('Check again', { testid: 'router-diagnose', class: 'btn btn-secondary' }, diagnose));
  }

  async function manualDone(): Promise<void> {
    const r = await attempt(manualResult, () => ctx.api['config:update']({ router: { mode: 'manual' } }));
    if (!r) return;
    if (!r.ok) { replaceChildren(manualResult, errorNotice(r.error, 'router-manual-error')); return; }
    ctx.setConfig(r.value);
    replaceChildren(manualResult, notice('ok', 'Saved: you forward the ports on your router yourself.', undefined, undefined, 'router-manual-saved'));
    await ctx.complete('router');
    await diagnose();
  }

  const cfg = ctx.config();
  const lan = cfg.lanAddress ?? ctx.status().router.lanAddress ?? 'this computer’s LAN address';
  const rows = forwarding({ ...cfg.door, mapPlexPort: cfg.router.mapPlexPort });
  drawNow(ctx.status().router);

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
        table('Port forwarding rules for your router', ['What', 'Outside port', 'Protocol', 'Forward to address', 'Forward to port'],
          rows.map((r) => [r.name, String(r.externalPort), r.transport, lan, String(r.internalPort)]), 'router-manual-rows'),
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
