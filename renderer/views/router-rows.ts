/** The router as the service sees it now, and its port mappings (router step, dashboard). */
import type { ManualForwardRow, RouterStatus } from '../../main/shared/status/router.ts';
import { h, table } from '../dom.ts';
import { copyButton } from './copy-button.ts';

/** The rules a person types into the router's port-forwarding page, each with a Copy button. */
export function forwardingTable(rows: ManualForwardRow[], testid: string): HTMLElement {
  return table('Port forwarding rules for your router', ['What', 'Outside port', 'Protocol', 'Forward to address', 'Forward to port', 'Copy'],
    rows.map((r, i) => [r.name, String(r.externalPort), r.transport, r.internalClient, String(r.internalPort),
      copyButton(`${r.name}: outside port ${r.externalPort} ${r.transport} → ${r.internalClient} port ${r.internalPort}`, `the rule for ${r.name}`, `${testid}-copy-${i}`)]),
    testid);
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
