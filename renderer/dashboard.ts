/**
 * The dashboard: the health verdict and why, then one card per part of the path (certificate,
 * door, router, Plex, DNS) and the recent events. Cards redraw on every status push; the
 * action buttons stay put so keyboard focus is never lost.
 */
import type { ConfigView, EventRecord, PorticoApiClient } from '../main/shared/api.ts';
import type { AppStatus, HealthState } from '../main/shared/status.ts';
import { isPublicAddress } from '../main/shared/ip-address.ts';
import { primaryDomain } from '../main/shared/primary-domain.ts';
import { button, h, notice, replaceChildren, table } from './dom.ts';
import { formatBytes, formatCount, formatDate } from './format.ts';
import { callThenShow } from './views/call-then-show.ts';
import { certSummary } from './views/cert-summary.ts';
import { findingsList } from './views/findings-list.ts';
import { forwardingTable, routerNow } from './views/router-rows.ts';
import { confirmDialog } from './views/confirm-dialog.ts';
import { copyButton } from './views/copy-button.ts';
import { undoPlex } from './views/undo-plex.ts';
import { checksList } from './views/checks-list.ts';
import { settingsCard } from './views/settings-card.ts';
import { dashboardLink } from './views/dashboard-link.ts';
import { alertsSettings } from './views/alerts-settings.ts';
import { lanAccess } from './views/lan-access.ts';

const DUPLICATE_LIMIT = 'Let’s Encrypt issues at most 5 certificates per week for the same set of names; each forced renewal uses one, and once they are used up no new certificate can be had for up to a week.';
import { HEALTH_WORD, statusChecks } from '../main/shared/health.ts';
import { TOKEN_SOURCE_WORDS } from '../main/shared/plex-words.ts';
const HEALTH_ICON: Record<HealthState, string> = { ok: '✓', warning: '!', error: '✕', working: '…' };

export interface DashboardDeps {
  api: PorticoApiClient;
  status(): AppStatus;
  events(): EventRecord[];
  announce(message: string): void;
  /** The alert channels as saved (hosts only). */
  alerts?: ConfigView['alerts'];
  /** In a browser (`portico serve`) the page has a link to manage; the desktop app has none. */
  mode?: 'electron' | 'http';
}

export interface DashboardView { body: HTMLElement; onStatus(s: AppStatus): void; onEvent(e: EventRecord): void }

export function renderDashboard(deps: DashboardDeps): DashboardView {
  const healthCard = h('section', { class: 'card health', 'data-testid': 'health-card', 'aria-labelledby': 'health-h' });
  const cards = h('div', { class: 'grid' });
  const eventsArea = h('div', {});
  const addresses = h('section', { class: 'card', 'data-testid': 'addresses-card', 'aria-labelledby': 'addresses-h' });
  let addressesKey = '';
  /** Redrawn only when an address changes, so a status push never takes focus from a Copy button. */
  function drawAddresses(s: AppStatus): void {
    const domain = primaryDomain(s.domains);
    const lan = s.router.lanAddress;
    // The router's WAN address is the public one only when it is public (not behind another NAT).
    const wan = s.router.externalAddress;
    const pub = s.router.publicAddress ?? (wan && isPublicAddress(wan) ? wan : undefined);
    const key = JSON.stringify([domain, lan, s.router.gateway, pub]);
    if (key === addressesKey) return;
    addressesKey = key;
    addresses.hidden = !domain;
    if (!domain) return;
    const url = `https://${domain}`;
    const row = (label: string, value: string | undefined, what: string, id: string, extra?: Node) => (value
      ? [h('dt', {}, label), h('dd', { class: 'copyable' }, h('code', { 'data-testid': id }, value), copyButton(value, what, `copy-${id}`), extra)]
      : []);
    replaceChildren(addresses,
      h('h2', { id: 'addresses-h' }, 'Your addresses'),
      h('dl', { class: 'facts' },
        row('Plex address', url, 'the Plex address', 'plex-url',
          h('a', { href: `${url}/web`, target: '_blank', rel: 'noopener noreferrer', class: 'btn btn-small btn-primary', 'data-testid': 'open-plex-web' }, 'Open Plex Web', h('span', { class: 'visually-hidden' }, ' (opens a new window)'))),
        row('This computer on your network', lan, 'this computer’s network address', 'lan-ip'),
        row('Your router (gateway)', s.router.gateway, 'the router’s address', 'gateway-ip'),
        row('Your public address', pub, 'your public address', 'public-ip')));
  }
  const actionResult = h('div', { 'data-testid': 'action-result', 'aria-live': 'polite', class: 'stack' });

  /** The quiet default: the service renews only when the certificate is due, like its own schedule. */
  async function renewIfDue(): Promise<void> {
    const before = deps.status().certificates[0];
    const r = await callThenShow(actionResult, () => deps.api['cert:renew']({ force: false }), { busy: 'Checking whether the certificate is due…', errorTestid: 'renew-error' });
    if (!r?.ok) return;
    const c = r.value;
    const unchanged = !!before?.notAfter && before.notAfter === c.notAfter;
    replaceChildren(actionResult, unchanged
      ? notice('info', `Not due yet: the certificate is valid until ${formatDate(c.notAfter)}.`, c.renewalWindow ? `Portico renews it on its own from ${formatDate(c.renewalWindow.start)}.` : 'Portico renews it on its own when it is due.', undefined, 'renew-not-due')
      : notice('ok', `Renewed: valid until ${formatDate(c.notAfter)}.`, undefined, undefined, 'renew-done'));
  }
  async function forceRenew(): Promise<void> {
    const c = deps.status().certificates[0];
    const yes = await confirmDialog({
      testid: 'force-confirm', title: 'Force a new certificate?', confirm: 'Force a new certificate',
      body: [
        c?.notAfter ? `The current certificate is valid until ${formatDate(c.notAfter)}, and Portico renews it on its own when it is due.` : 'Portico renews the certificate on its own when it is due.',
        DUPLICATE_LIMIT,
      ],
    });
    if (!yes) return;
    const r = await callThenShow(actionResult, () => deps.api['cert:renew']({ force: true }), { busy: 'Getting a new certificate…', errorTestid: 'renew-error' });
    if (r?.ok) replaceChildren(actionResult, notice('ok', `New certificate: valid until ${formatDate(r.value.notAfter)}.`, undefined, undefined, 'renew-done'));
  }
  const undo = () => undoPlex(deps.api, actionResult, deps.status().domains[0], 'To use your domain in Plex again, run the Plex settings step of the setup.');
  async function exportDiagnostics(): Promise<void> {
    const r = await callThenShow(actionResult, () => deps.api['diagnostics:export'](), { errorTestid: 'export-error' });
    if (!r?.ok) return;
    const url = URL.createObjectURL(new Blob([r.value.content], { type: 'application/json' }));
    const a = h('a', { href: url, download: r.value.filename, class: 'visually-hidden' }, r.value.filename);
    document.body.append(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
    replaceChildren(actionResult, notice('ok', `Saved ${r.value.filename} to your downloads.`, 'Passwords, tokens and keys are removed from it. Attach it to a bug report if you need help.', undefined, 'export-done'));
  }

  function draw(s: AppStatus): void {
    const st = s.health.state;
    const pending = s.domains.length === 0;
    healthCard.className = `card health health-${st}`;
    healthCard.dataset.state = st;
    replaceChildren(healthCard,
      h('h2', { id: 'health-h' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, HEALTH_ICON[st]), ' ', HEALTH_WORD[st]),
      h('p', { 'data-testid': 'health-reason', class: 'health-reason' }, s.health.reason),
      pending
        ? h('p', { 'data-testid': 'health-action' }, h('strong', {}, 'Next: '), h('a', { href: '#/setup', 'data-testid': 'continue-setup' }, 'continue the setup and choose your domain'), '.')
        : s.health.action ? h('p', { 'data-testid': 'health-action' }, h('strong', {}, 'Next: '), s.health.action) : null);
    renewBtn.disabled = pending;
    forceBtn.disabled = pending;
    drawAddresses(s);
    if (pending) {
      // First run: nothing below exists yet, so say so instead of showing empty cards.
      replaceChildren(cards, h('section', { class: 'card', 'data-testid': 'setup-pending', 'aria-labelledby': 'setup-pending-h' },
        h('h2', { id: 'setup-pending-h' }, 'Setup is not finished'),
        h('p', {}, 'Portico does not know your domain yet, so it has no certificate to get and nothing to forward on your router. Plex itself keeps working as before.'),
        h('p', {}, h('a', { href: '#/setup', class: 'btn btn-primary', 'data-testid': 'setup-pending-continue' }, 'Continue setup'))));
      return;
    }

    const routes = s.door.routes;
    const total = routes.reduce((a, r) => ({ req: a.req + r.requests, in: a.in + r.bytesIn, out: a.out + r.bytesOut, open: a.open + r.openConnections }), { req: 0, in: 0, out: 0, open: 0 });
    const errors = Object.entries(s.door.errors);
    const now = Date.now();
    replaceChildren(cards,
      card('checks', 'Checks', h('p', { class: 'hint' }, 'What the verdict above is based on. ', h('a', { href: '#/setup/verify', 'data-testid': 'checks-run' }, 'Run them now')),
        checksList(statusChecks(s, now), { now, testid: 'dash-checks' })),
      card('cert', 'Certificate', certSummary(s.certificates, 'dash-cert')),
      card('door', 'Door traffic',
        h('dl', { class: 'facts' },
          h('dt', {}, 'State'), h('dd', { 'data-testid': 'door-state' }, s.door.state, s.door.error ? ` — ${s.door.error.message}` : ''),
          h('dt', {}, 'Listening on'), h('dd', {}, s.door.listeners.map((l) => `${l.kind.toUpperCase()} ${l.port}${l.listening ? '' : ` (not listening${l.error ? `: ${l.error}` : ''})`}`).join(', ') || 'nothing'),
          h('dt', {}, 'Requests'), h('dd', { 'data-testid': 'door-requests' }, formatCount(total.req)),
          h('dt', {}, 'Open connections'), h('dd', {}, formatCount(total.open + s.door.passthrough.openConnections)),
          h('dt', {}, 'Sent / received'), h('dd', {}, `${formatBytes(total.out)} / ${formatBytes(total.in)}`),
          h('dt', {}, 'Passed through to Plex’s own TLS'), h('dd', {}, `${formatCount(s.door.passthrough.total)} connections`),
          errors.length ? [h('dt', {}, 'Errors'), h('dd', {}, errors.map(([k, n]) => `${k}: ${n}`).join(', '))] : null),
        passthroughNote(s.door.passthrough.names),
        routes.length > 1 ? table('Traffic per name', ['Name', 'Goes to', 'Requests', 'Sent'], routes.map((r) => [r.host, r.upstream, formatCount(r.requests), formatBytes(r.bytesOut)]), 'door-routes') : null),
      card('router', 'Router',
        h('dl', { class: 'facts' },
          h('dt', {}, 'Mode'), h('dd', {}, s.router.mode),
          h('dt', {}, 'State'), h('dd', { 'data-testid': 'router-state' }, s.router.state),
          s.router.publicAddress ? [h('dt', {}, 'Public address'), h('dd', {}, s.router.publicAddress)] : null),
        routerNow(s.router, 'dash-router', 'dash-mappings'),
        s.router.manual?.length ? forwardingTable(s.router.manual, 'dash-forwarding') : null,
        s.router.ddns && s.router.ddns.state !== 'off'
          ? h('p', { 'data-testid': 'dash-ddns', class: s.router.ddns.state === 'error' ? 'error-text' : null },
            h('strong', {}, 'Dynamic DNS: '), s.router.ddns.error ?? `${s.router.ddns.state}${s.router.ddns.address ? ` (${s.router.ddns.address})` : ''}`)
          : null,
        s.router.findings.some((f) => f.severity !== 'ok') ? findingsList(s.router.findings.filter((f) => f.severity !== 'ok'), 'dash-findings') : null),
      card('plex', 'Plex Media Server',
        h('dl', { class: 'facts' },
          h('dt', {}, 'State'), h('dd', { 'data-testid': 'plex-state' }, s.plex.state, s.plex.error ? ` — ${s.plex.error.message}` : ''),
          h('dt', {}, 'Address'), h('dd', {}, s.plex.url),
          s.plex.version ? [h('dt', {}, 'Version'), h('dd', {}, s.plex.version)] : null,
          h('dt', {}, 'Signed in'), h('dd', { 'data-testid': 'plex-signed-in-state' }, s.plex.signedIn ? `yes${s.plex.tokenSource && s.plex.tokenSource !== 'none' ? ` (${TOKEN_SOURCE_WORDS[s.plex.tokenSource]})` : ''}` : 'no'),
          h('dt', {}, 'Uses your domain'), h('dd', { 'data-testid': 'plex-applied' }, s.plex.applied ? 'yes' : 'no'),
          s.plex.mappingState ? [h('dt', {}, 'Plex remote access'), h('dd', {}, s.plex.mappingState)] : null),
        s.plex.error?.fix ? h('p', { class: 'check-fix' }, h('strong', {}, 'Fix: '), s.plex.error.fix) : null),
      card('dns', 'DNS',
        s.dns.records.length
          ? h('ul', { class: 'plain' }, s.dns.records.map((r) => h('li', {}, `${r.name} ${r.type} → ${r.values.join(', ') || 'nothing'}`, r.matchesPublic === false ? h('span', { class: 'error-text' }, ' (not your public address)') : r.matchesPublic ? ' ✓' : '')))
          : h('p', {}, 'No DNS records looked up yet.'),
        s.dns.lastDdnsUpdate ? h('p', { class: 'hint' }, `Last dynamic DNS update: ${formatDate(s.dns.lastDdnsUpdate)}`) : null));
  }

  function drawEvents(): void {
    const list = deps.events().slice(0, 50);
    replaceChildren(eventsArea, list.length
      ? h('ol', { class: 'events', 'data-testid': 'events-list', reversed: true },
        list.map((e) => h('li', { class: `event event-${e.level}`, 'data-kind': e.kind },
          h('time', { datetime: e.time }, formatDate(e.time)), ' ',
          h('span', { class: `badge badge-${e.level}` }, e.level), ' ', e.message)))
      : h('p', { 'data-testid': 'events-list' }, 'Nothing has happened yet.'));
  }

  const renewBtn = button('Renew if due', { testid: 'renew-if-due', class: 'btn btn-secondary' }, renewIfDue);
  const forceBtn = button('Force a new certificate…', { testid: 'renew-force', class: 'btn btn-secondary' }, forceRenew);
  draw(deps.status());
  drawEvents();
  return {
    body: h('div', { class: 'dashboard stack', 'data-testid': 'dashboard' },
      h('h1', { class: 'visually-hidden' }, 'Dashboard'),
      healthCard,
      h('div', { class: 'actions' },
        renewBtn, forceBtn,
        button('Undo Plex changes…', { testid: 'undo-plex', class: 'btn btn-secondary' }, undo),
        button('Export diagnostics', { testid: 'export-diagnostics', class: 'btn btn-secondary' }, exportDiagnostics),
        h('a', { href: '#/setup/welcome', class: 'btn btn-secondary', 'data-testid': 'run-setup' }, 'Run setup again')),
      h('p', { class: 'hint actions-hint', 'data-testid': 'renew-hint' }, 'Portico renews the certificate on its own when it is due. ', DUPLICATE_LIMIT),
      actionResult,
      addresses,
      cards,
      settingsCard(deps.api),
      h('section', { class: 'card', 'aria-labelledby': 'events-h' }, h('h2', { id: 'events-h' }, 'Recent events'), eventsArea),
      deps.alerts ? alertsSettings(deps.api, deps.alerts) : null,
      deps.mode === 'http' ? lanAccess(deps.api) : null,
      deps.mode === 'http'
        ? h('details', { class: 'card', 'data-testid': 'dashboard-advanced' }, h('summary', {}, 'Advanced'), dashboardLink(deps.api))
        : null),
    onStatus: draw,
    onEvent: () => drawEvents(),
  };
}

/** What passing plex.direct through means for Plex's idea of "local", and the way around it. */
function passthroughNote(names: string | undefined): HTMLElement | null {
  if (!names?.endsWith('plex.direct')) return null; // nothing passes (plex.tlsPort is a door port), or no door yet
  return h('p', { class: 'hint', 'data-testid': 'door-passthrough-note' },
    `Plex apps on ${names} names pass through to Plex and reach it from this machine's address, so Plex treats them as local (no remote bandwidth limits). `,
    'To have Plex see their real address, forward WAN port 32400 on the router straight to Plex’s own port instead of to Portico.');
}

function card(id: string, title: string, ...children: (Node | null)[]): HTMLElement {
  return h('section', { class: id === 'router' || id === 'checks' ? 'card card-wide' : 'card', 'data-testid': `${id}-card`, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...children);
}
