/**
 * The dashboard's Settings: what a Plex owner may need to change after setup — the Plex address,
 * the second door for apps that use port 32400 and extra routes (Overseerr, Tautulli) — with the
 * rarely needed ones (HSTS, the certificate authority) under "Advanced". Fields are checked with
 * the config's own rules before sending; "Saved" is said only for what the service answers it
 * now holds, and secrets (the EAB HMAC key) are sent but never shown back.
 */
import type { ConfigPatch, ConfigView, PorticoApiClient } from '../../main/shared/api.ts';
import { DEFAULT_HTTP_ENDPOINTS, DEFAULT_STUN_SERVERS, fieldProblems, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, ZEROSSL, type ConfigProblem, type RouteConfig } from '../../main/shared/config.ts';
import { button, field, h, notice, replaceChildren, table } from '../dom.ts';
import { callThenShow } from './call-then-show.ts';

/** The port the second door listens on when none is configured (DESIGN.md: the router maps WAN 32400 here). */
const SECOND_DOOR_PORT = 32443;
type Ca = 'letsencrypt' | 'zerossl' | 'custom';

export function settingsCard(api: PorticoApiClient): HTMLElement {
  const body = h('div', { class: 'stack' }, h('p', { role: 'status' }, 'Loading the settings…'));
  const section = h('section', { class: 'card card-wide', 'data-testid': 'settings-card', 'aria-labelledby': 'settings-h' }, h('h2', { id: 'settings-h' }, 'Settings'), body);
  void api['config:get']().then((c) => draw(body, api, c), () => replaceChildren(body, notice('error', 'The settings could not be loaded.', undefined, 'Reload the page.', 'settings-error')));
  return section;
}

function caOf(url: string): Ca {
  if (url === LETS_ENCRYPT_PRODUCTION || url === LETS_ENCRYPT_STAGING) return 'letsencrypt';
  return url === ZEROSSL ? 'zerossl' : 'custom';
}

function draw(body: HTMLElement, api: PorticoApiClient, cfg: ConfigView): void {
  const input = (id: string, type: string, value: string, extra: Record<string, string | boolean> = {}) =>
    h('input', { id, name: id, type, value, 'data-testid': id, autocomplete: 'off', spellcheck: 'false', ...extra });
  const checkbox = (id: string, checked: boolean, label: string, hint: string) => {
    const box = h('input', { id, type: 'checkbox', 'data-testid': id, checked, 'aria-describedby': `${id}-hint` });
    return { box, el: h('div', { class: 'choice' }, box, h('label', { for: id }, label), h('p', { class: 'hint', id: `${id}-hint` }, hint)) };
  };

  const plexUrl = input('settings-plex-url', 'url', cfg.plex.url, { inputmode: 'url' });
  const secondDoor = checkbox('settings-second-door', cfg.door.httpsPorts.length > 1 && cfg.router.mapPlexPort,
    'A second door for apps that use port 32400',
    `Some Plex apps connect to port 32400 of your public address. Portico then also listens on port ${cfg.door.httpsPorts[1] ?? SECOND_DOOR_PORT} and asks the router to forward 32400 there.`);
  const hsts = checkbox('settings-hsts', cfg.door.hsts, 'Tell browsers to use HTTPS only (HSTS)',
    'Browsers then refuse plain HTTP for your domain for a year. Turn it on once the certificate works.');
  const lookup = publicAddressChoice(cfg.publicIp);

  let routes: RouteConfig[] = cfg.routes.map((r) => ({ ...r }));
  const routesArea = h('div', { 'data-testid': 'settings-routes' });
  const routeHost = input('settings-route-host', 'text', '', { inputmode: 'url', placeholder: 'overseerr.example.com' });
  const routeUpstream = input('settings-route-upstream', 'url', '', { inputmode: 'url', placeholder: 'http://127.0.0.1:5055' });
  const routeProblems = h('div', { 'aria-live': 'polite', 'data-testid': 'settings-route-problems' });
  function drawRoutes(): void {
    replaceChildren(routesArea, routes.length
      ? table('Extra names', ['Name', 'Goes to', ''], routes.map((r, i) => [r.host, r.upstream,
        button('Remove', { testid: `settings-route-remove-${i}`, class: 'btn btn-small btn-secondary', 'aria-label': `Remove ${r.host}` }, () => { routes = routes.filter((_, j) => j !== i); drawRoutes(); })]), 'settings-routes-table')
      : h('p', { class: 'hint' }, 'No extra names. Add one to reach another program on this computer (such as Overseerr or Tautulli) through its own name.'));
  }
  function addRoute(): void {
    const r = { host: routeHost.value.trim().toLowerCase(), upstream: routeUpstream.value.trim() };
    const list = fieldProblems('routes', [...routes, r]).filter((p) => p.key.startsWith(`routes[${routes.length}]`));
    const dup = routes.some((x) => x.host === r.host) || cfg.domains.includes(r.host) ? [{ key: 'host', message: `${r.host} is already in use; each name can go to one place only` }] : [];
    const all = [...list, ...dup];
    const mark = (el: HTMLInputElement, bad: boolean) => (bad ? el.setAttribute('aria-invalid', 'true') : el.removeAttribute('aria-invalid'));
    mark(routeHost, all.some((p) => /host/.test(p.key)));
    mark(routeUpstream, all.some((p) => /upstream/.test(p.key)));
    if (all.length) {
      replaceChildren(routeProblems, h('ul', { class: 'problems', 'data-testid': 'settings-route-problem' }, all.map((p) => h('li', {}, `${/upstream/.test(p.key) ? 'Goes to' : 'Name'}: ${p.message}`))));
      return;
    }
    replaceChildren(routeProblems);
    routes = [...routes, r];
    routeHost.value = '';
    routeUpstream.value = '';
    drawRoutes();
  }
  drawRoutes();

  const ca = h('select', { id: 'settings-ca', 'data-testid': 'settings-ca', onchange: () => showCa() },
    h('option', { value: 'letsencrypt' }, 'Let’s Encrypt'), h('option', { value: 'zerossl' }, 'ZeroSSL'), h('option', { value: 'custom' }, 'Another CA (ACME directory URL)'));
  ca.value = caOf(cfg.acme.directoryUrl);
  const eabKid = input('settings-eab-kid', 'text', cfg.acme.eabKid ?? '');
  const eabHmac = input('settings-eab-hmac', 'password', '', { placeholder: cfg.acme.eabConfigured ? 'saved — leave empty to keep' : '' });
  const customUrl = input('settings-ca-url', 'url', caOf(cfg.acme.directoryUrl) === 'custom' ? cfg.acme.directoryUrl : '', { inputmode: 'url', placeholder: 'https://ca.example.com/acme/directory' });
  const eabGroup = h('div', { class: 'stack' },
    field('EAB key ID', eabKid, 'ZeroSSL: Developer section → "Generate" under EAB credentials.'),
    field('EAB HMAC key', eabHmac, 'Shown next to the key ID. Stored in your system keychain, never shown again.'));
  const customGroup = h('div', { class: 'stack' }, field('ACME directory URL', customUrl, 'The https:// address your CA gives for ACME clients.'));
  function showCa(): void {
    eabGroup.hidden = ca.value === 'letsencrypt';
    customGroup.hidden = ca.value !== 'custom';
  }
  showCa();

  const result = h('div', { 'aria-live': 'polite', class: 'stack', 'data-testid': 'settings-result' });

  function directoryUrl(): string {
    if (ca.value === 'zerossl') return ZEROSSL;
    if (ca.value === 'custom') return customUrl.value.trim();
    // Keep staging when that is what the config uses; the Certificate step chooses between the two.
    return caOf(cfg.acme.directoryUrl) === 'letsencrypt' ? cfg.acme.directoryUrl : LETS_ENCRYPT_PRODUCTION;
  }

  function patch(): ConfigPatch {
    const first = cfg.door.httpsPorts[0] ?? 8443;
    const second = cfg.door.httpsPorts[1] ?? SECOND_DOOR_PORT;
    const kid = eabKid.value.trim();
    const eab = ca.value === 'letsencrypt' || (!kid && !eabHmac.value) ? null : { kid, hmacKey: eabHmac.value.trim() };
    return {
      plex: { url: plexUrl.value.trim().replace(/\/+$/, '') },
      door: { httpsPorts: secondDoor.box.checked ? [first, second] : [first], hsts: hsts.box.checked },
      router: { mapPlexPort: secondDoor.box.checked },
      routes,
      acme: { directoryUrl: directoryUrl(), eab },
      publicIp: { lookup: lookup.auto.checked },
    };
  }

  /** Which field a config key belongs to, in the words of this form. */
  const LABELS: [RegExp, string, HTMLElement][] = [
    [/^plex\.url/, 'Plex address', plexUrl], [/^door/, 'Second door', secondDoor.box], [/^routes/, 'Extra names', routeHost],
    [/^acme\.directoryUrl/, 'ACME directory URL', customUrl], [/^acme\.eab\.kid/, 'EAB key ID', eabKid], [/^acme\.eab/, 'EAB HMAC key', eabHmac],
  ];
  function refused(list: ConfigProblem[]): HTMLElement[] {
    for (const [, , el] of LABELS) el.removeAttribute('aria-invalid');
    for (const p of list) LABELS.find(([k]) => k.test(p.key))?.[2].setAttribute('aria-invalid', 'true');
    return [
      notice('error', 'The settings were not saved.', undefined, 'Correct the marked fields and save again; your previous settings are still in effect.', 'settings-problem'),
      h('ul', { class: 'problems' }, list.map((p) => h('li', {}, `${LABELS.find(([k]) => k.test(p.key))?.[1] ?? 'Another setting'}: ${p.message}`))),
      h('details', { class: 'advanced' }, h('summary', {}, 'Advanced'), h('ul', { class: 'problems' }, list.map((p) => h('li', {}, h('code', {}, p.key), ': ', p.message)))),
    ];
  }

  async function save(): Promise<void> {
    const p = patch();
    const local = [...fieldProblems('plex.url', p.plex?.url), ...(ca.value === 'custom' && !/^https:\/\//.test(p.acme?.directoryUrl ?? '') ? [{ key: 'acme.directoryUrl', message: 'must be an https:// ACME directory URL' }] : [])];
    if (ca.value === 'zerossl' && !p.acme?.eab) local.push({ key: 'acme.eab.kid', message: 'ZeroSSL needs the EAB key ID and HMAC key from its Developer section' });
    if (local.length) return replaceChildren(result, refused(local));
    const r = await callThenShow(result, () => api['config:update'](p), { busy: 'Saving…', errorTestid: 'settings-problem' });
    if (!r) return;
    if (!r.ok) {
      if (r.error.problems?.length) replaceChildren(result, refused(r.error.problems));
      return;
    }
    const v = r.value;
    // Say "Saved" only for what the service answers it now holds.
    const held = v.plex.url === p.plex?.url && JSON.stringify(v.door.httpsPorts) === JSON.stringify(p.door?.httpsPorts) && v.door.hsts === p.door?.hsts
      && JSON.stringify(v.routes) === JSON.stringify(routes) && v.acme.directoryUrl === p.acme?.directoryUrl && (p.acme?.eab ? v.acme.eabConfigured : !v.acme.eabConfigured)
      && v.publicIp.lookup === p.publicIp?.lookup;
    if (!held) {
      replaceChildren(result, notice('error', 'Portico did not keep all of these settings.', undefined, 'Reload the page to see what is in effect, then save again; if this keeps happening, export diagnostics.', 'settings-problem'));
      return;
    }
    const restart = JSON.stringify(v.door.httpsPorts) !== JSON.stringify(cfg.door.httpsPorts) || v.door.hsts !== cfg.door.hsts;
    eabHmac.value = '';
    eabHmac.placeholder = v.acme.eabConfigured ? 'saved — leave empty to keep' : '';
    cfg = v;
    replaceChildren(result, notice('ok', 'Saved.', restart ? 'The door’s ports and HSTS change when Portico restarts.' : undefined, undefined, 'settings-saved'));
  }

  replaceChildren(body,
    h('form', { class: 'stack', novalidate: true, 'aria-label': 'Settings', onsubmit: (e: Event) => { e.preventDefault(); void save(); } },
      field('Plex address', plexUrl, 'Where Portico finds Plex Media Server; http://127.0.0.1:32400 when Plex runs on this computer.'),
      secondDoor.el,
      h('fieldset', { class: 'stack' }, h('legend', {}, 'Extra names'), routesArea,
        h('div', { class: 'route-add' }, field('Name', routeHost, 'A name of your domain, e.g. overseerr.example.com; it gets its own certificate.'), field('Goes to', routeUpstream, 'The program’s address on this computer or network.')),
        h('div', { class: 'actions' }, button('Add name', { testid: 'settings-route-add', class: 'btn btn-secondary' }, addRoute)), routeProblems),
      h('details', { class: 'advanced', 'data-testid': 'settings-advanced' }, h('summary', {}, 'Advanced'),
        h('div', { class: 'stack' }, hsts.el, lookup.el, field('Certificate authority', ca, 'Let’s Encrypt needs nothing more. ZeroSSL needs its EAB credentials.'), eabGroup, customGroup))),
    h('div', { class: 'actions' }, button('Save settings', { testid: 'settings-save', class: 'btn btn-primary' }, save)),
    result);
}

/**
 * How Portico finds the public address (config publicIp.lookup), in plain words: outside services
 * with the router as a cross-check, or the router alone and what that leaves unchecked.
 */
function publicAddressChoice(p: ConfigView['publicIp']): { el: HTMLElement; auto: HTMLInputElement } {
  const services = p.services.length ? p.services : [...DEFAULT_STUN_SERVERS.map((x) => x.replace(/:\d+$/, '')), ...DEFAULT_HTTP_ENDPOINTS.map((u) => new URL(u).host)];
  const radio = (id: string, checked: boolean, label: string, hint: string) => {
    const input = h('input', { type: 'radio', name: 'settings-public-ip', id, 'data-testid': id, checked, 'aria-describedby': `${id}-hint` });
    return { input, el: h('div', { class: 'choice' }, input, h('label', { for: id }, label), h('p', { class: 'hint', id: `${id}-hint` }, hint)) };
  };
  const auto = radio('settings-public-ip-auto', p.lookup, 'Automatic: ask public address services',
    `Portico asks ${services.join(', ')} which address the internet sees, and compares it with your router’s answer. They learn only that this network asked.`);
  const router = radio('settings-public-ip-router', !p.lookup, 'Ask only the router',
    `No outside service is asked. When the router does not tell its address, or sits behind another router, Portico cannot check that your domain points here.${p.services.length ? ' Portico then forgets the services named above.' : ''}`);
  return {
    auto: auto.input,
    el: h('fieldset', { class: 'choices', 'data-testid': 'settings-public-ip' }, h('legend', {}, 'How Portico finds your public address'), auto.el, router.el),
  };
}
