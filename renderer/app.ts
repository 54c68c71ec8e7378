/**
 * Entry point: connect (IPC or HTTP), load status/config/wizard/events, then route by hash:
 * `#/setup/<step>` or `#/dashboard`. Push events keep the open view current.
 */
import { WIZARD_STEPS, type ConfigView, type EventRecord, type WizardState, type WizardStep } from '../main/shared/api.ts';
import type { AppStatus } from '../main/shared/status.ts';
import { HEALTH_WORD } from '../main/shared/health.ts';
import type { PorticoBridge } from '../main/shared/ipc.ts';
import { connect, UnauthorizedError, type Connection } from './api-client.ts';
import { h, replaceChildren } from './dom.ts';
import { renderDashboard } from './dashboard.ts';
import { isWizardStep, renderWizard, type StepView } from './wizard.ts';

interface Model { status: AppStatus; config: ConfigView; wizard: WizardState; events: EventRecord[] }


/** Where the wizard opens without an explicit step: where the user left off, but never past Domain without a domain. */
function resumeStep(w: WizardState, noDomain: boolean): WizardStep {
  return noDomain && WIZARD_STEPS.indexOf(w.step) > WIZARD_STEPS.indexOf('domain') ? 'domain' : w.step;
}

function start(): void {
  const root = document.getElementById('app');
  if (!root) return;
  let unauthorized = false;
  const showUnauthorized = () => {
    if (unauthorized) return;
    unauthorized = true;
    replaceChildren(root, h('main', { id: 'main', class: 'screen', tabindex: '-1', 'data-testid': 'unauthorized' },
      h('h1', {}, 'Open Portico from its link'),
      h('p', {}, 'This page has no valid session, so Portico cannot show your settings.'),
      h('p', {}, h('strong', {}, 'What to do: '), 'open the dashboard link (it looks like http://127.0.0.1:8765/#token=…). On the computer that runs Portico, ',
        h('code', {}, 'portico ui-link'), ' prints it; the token is also in the file ', h('code', {}, 'ui-token'), ' in Portico’s data folder.'),
      h('p', {}, 'The link stays the same when Portico restarts. If it stopped working, someone made a new one: run ', h('code', {}, 'portico ui-link'), ' again.')));
    document.getElementById('main')?.focus();
  };
  const link = h('p', { class: 'link-status', role: 'status', 'data-testid': 'link-status' });
  const conn = connect(window as Window & { portico?: PorticoBridge }, {
    onUnauthorized: showUnauthorized,
    onLinkChange: (up) => { link.textContent = up ? '' : 'Connection to Portico lost — reconnecting…'; },
  });
  void boot(root, conn, link, () => unauthorized);
}

async function boot(root: HTMLElement, conn: Connection, link: HTMLElement, isUnauthorized: () => boolean): Promise<void> {
  const { api } = conn;
  let model: Model;
  try {
    const [status, config, wizard, events] = await Promise.all([api['status:get'](), api['config:get'](), api['wizard:get'](), api['events:list']()]);
    model = { status, config, wizard, events: [...events].reverse() };
  } catch (e) {
    if (e instanceof UnauthorizedError || isUnauthorized()) return;
    replaceChildren(root, h('main', { id: 'main', class: 'screen', 'data-testid': 'connection-error', tabindex: '-1' },
      h('h1', {}, 'Portico is not answering'),
      h('p', {}, e instanceof Error ? e.message : String(e)),
      h('p', {}, h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'retry', onclick: () => location.reload() }, 'Try again'))));
    return;
  }

  const announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'announcer' });
  const announce = (m: string) => { announcer.textContent = ''; window.setTimeout(() => { announcer.textContent = m; }, 50); };
  const pill = h('p', { class: 'pill', 'data-testid': 'health-pill' });
  // The reason is text under the pill, not a tooltip: a tooltip needs a mouse and hides the why.
  const pillReason = h('p', { class: 'pill-reason', 'data-testid': 'health-pill-reason', 'aria-hidden': 'true' });
  const drawPill = () => {
    pill.className = `pill pill-${model.status.health.state}`;
    replaceChildren(pill, HEALTH_WORD[model.status.health.state], h('span', { class: 'visually-hidden' }, `: ${model.status.health.reason}`));
    pillReason.textContent = model.status.health.reason;
  };
  const navSetup = h('a', { href: '#/setup', 'data-testid': 'nav-wizard' }, 'Setup');
  const navDash = h('a', { href: '#/dashboard', 'data-testid': 'nav-dashboard' }, 'Dashboard');
  const banner = h('div', { class: 'demo-banner', role: 'note', 'data-testid': 'demo-banner', hidden: !model.status.demo },
    h('strong', {}, 'Demo mode. '), 'The certificate authority, Plex Media Server and router are local stand-ins; nothing here touches a real server or domain.');
  const main = h('main', { id: 'main', tabindex: '-1' });
  replaceChildren(root,
    h('header', { class: 'topbar' },
      h('p', { class: 'brand' }, h('img', { src: 'assets/icon.png', alt: '', width: '28', height: '28' }), ' Portico'),
      h('nav', { 'aria-label': 'Main' }, h('ul', { class: 'topnav' }, h('li', {}, navSetup), h('li', {}, navDash))),
      conn.signOut ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'data-testid': 'sign-out', onclick: conn.signOut }, 'Sign out') : null,
      h('div', { class: 'health-badge' }, pill, pillReason)),
    banner, link, main, announcer);
  drawPill();

  let view: StepView | ReturnType<typeof renderDashboard> | undefined;
  let firstRoute = true;
  const go = (hash: string) => { if (location.hash === hash) void route(); else location.hash = hash; };

  let routeSeq = 0;
  async function route(): Promise<void> {
    const seq = ++routeSeq;
    (view as StepView | undefined)?.dispose?.();
    view = undefined;
    const [, section, step] = location.hash.match(/^#\/([^/]*)\/?(.*)$/) ?? [];
    // Each view shows the current truth, not what this page remembered: another window, the
    // dashboard or the service may have changed it since (an undo, a router mode, a new domain).
    if (!firstRoute) {
      const fresh = await Promise.all([api['status:get'](), api['config:get'](), api['wizard:get']()]).catch(() => null);
      if (seq !== routeSeq) return;
      // Not answering: draw from what we have; the link hint and the next call say why.
      if (fresh) [model.status, model.config, model.wizard] = fresh;
      drawPill();
    }
    // No domain means setup is not finished, whatever the saved wizard state says (first run, or a reset config).
    const pending = model.status.domains.length === 0 && model.config.domains.length === 0;
    const wantsSetup = section === 'setup' || (!section && (!model.wizard.finished || pending));
    if (wantsSetup) {
      const s = step && isWizardStep(step) ? step : resumeStep(model.wizard, pending);
      view = renderWizard(s, {
        api, announce, go,
        status: () => model.status,
        config: () => model.config,
        setConfig: (c) => { model.config = c; },
        wizard: () => model.wizard,
        setWizard: (w) => { model.wizard = w; },
        onError: () => announce('Could not save your progress; Portico may have stopped.'),
      });
      replaceChildren(main, h('h1', { class: 'visually-hidden' }, 'Set up Portico'), view.body);
      document.title = `Setup — Portico`;
    } else {
      view = renderDashboard({ api, announce, status: () => model.status, events: () => model.events, mode: conn.mode, alerts: model.config.alerts });
      replaceChildren(main, view.body);
      document.title = `${HEALTH_WORD[model.status.health.state]} — Portico`;
    }
    pillReason.hidden = !wantsSetup; // the dashboard says why under its own heading
    navSetup.toggleAttribute('aria-current', false);
    navDash.toggleAttribute('aria-current', false);
    (wantsSetup ? navSetup : navDash).setAttribute('aria-current', 'page');
    // A new view opens at its top (the previous one may have been scrolled far down); focus
    // moves to its heading without scrolling past the header, for keyboard and screen readers.
    window.scrollTo(0, 0);
    if (!firstRoute) (main.querySelector<HTMLElement>('#step-title') ?? main).focus({ preventScroll: true });
    firstRoute = false;
  }

  conn.on('status:changed', (s) => {
    model.status = s;
    banner.hidden = !s.demo;
    drawPill();
    view?.onStatus?.(s);
  });
  conn.on('event:added', (e) => {
    model.events = [e, ...model.events].slice(0, 200);
    (view as ReturnType<typeof renderDashboard> | undefined)?.onEvent?.(e);
  });
  // The fragment is our router, so the skip link moves focus itself instead of changing the hash.
  document.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    main.focus();
  });
  window.addEventListener('hashchange', () => void route());
  void route();
}

start();
