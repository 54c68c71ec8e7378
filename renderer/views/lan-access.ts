/**
 * "Dashboard on your network" (headless only): whether other computers and phones at home can
 * open this dashboard, the addresses to open there (with Copy), its password, and turning it on or
 * off. The password is sent once and never shown back; the words for the config file and the
 * command line are under Advanced.
 */
import type { LanAccessChange, LanAccessView, PorticoApiClient } from '../../main/shared/api.ts';
import { LAN_USERNAME, passwordProblem } from '../../main/shared/lan-password.ts';
import { button, field, h, notice, replaceChildren } from '../dom.ts';
import { formatDate } from '../format.ts';
import { callThenShow } from './call-then-show.ts';
import { confirmDialog } from './confirm-dialog.ts';
import { copyButton } from './copy-button.ts';

const PLAIN_HTTP = 'The connection to it is not encrypted (plain http), like most home devices’ settings pages: anyone on your network could read what goes over it. Turn it on only on a home network you trust. From outside your home, connect to your network with a VPN first; never forward this port on your router.';

export function lanAccess(api: PorticoApiClient): HTMLElement {
  const body = h('div', { class: 'stack' }, h('p', { role: 'status' }, 'Loading…'));
  void api['ui:lan-get']().then((r) => (r.ok ? draw(body, api, r.value) : replaceChildren(body, notice('error', r.error.message, undefined, r.error.fix, 'lan-error'))), () => replaceChildren(body, notice('error', 'This could not be loaded.', undefined, 'Reload the page.', 'lan-error')));
  return h('section', { class: 'card card-wide', 'data-testid': 'lan-card', 'aria-labelledby': 'lan-h' }, h('h2', { id: 'lan-h' }, 'Dashboard on your network'), body);
}

function draw(body: HTMLElement, api: PorticoApiClient, v: LanAccessView): void {
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'lan-result', class: 'stack' });
  const pw = h('input', { id: 'lan-password', type: 'password', autocomplete: 'new-password', 'data-testid': 'lan-password' });
  const again = h('input', { id: 'lan-password-again', type: 'password', autocomplete: 'new-password', 'data-testid': 'lan-password-again' });

  async function send(change: LanAccessChange, busy: string, done: (v: LanAccessView) => string): Promise<void> {
    const r = await callThenShow(result, () => api['ui:lan-update'](change), { busy, errorTestid: 'lan-update-error' });
    if (!r?.ok) return;
    draw(body, api, r.value);
    body.querySelector('[data-testid="lan-result"]')?.replaceChildren(notice('ok', done(r.value), undefined, undefined, 'lan-done'));
  }
  async function savePassword(): Promise<void> {
    const problem = passwordProblem(pw.value) ?? (pw.value !== again.value ? 'The two passwords differ. Type the same password in both fields.' : undefined);
    pw.toggleAttribute('aria-invalid', !!problem && again.value === pw.value);
    if (problem) {
      replaceChildren(result, notice('error', problem, undefined, undefined, 'lan-password-problem'));
      return;
    }
    const value = pw.value;
    pw.value = again.value = '';
    await send({ password: value }, 'Saving the password…', (n) => (n.enabled ? 'Password saved. Every device signed in before must sign in again with it.' : 'Password saved. Turn the dashboard on for your network when you want to use it.'));
  }
  async function toggle(): Promise<void> {
    if (!v.enabled) {
      const yes = await confirmDialog({ testid: 'lan-confirm', title: 'Open the dashboard to your network?', confirm: 'Turn on', body: ['Computers and phones on your home network can then open this dashboard with the password, and change Portico’s settings.', PLAIN_HTTP] });
      if (!yes) return;
    }
    await send({ enabled: !v.enabled }, v.enabled ? 'Turning it off…' : 'Turning it on…', (n) => (n.enabled ? (n.urls.length ? 'On. Open the address below on another device.' : 'Turned on, but not open yet: see why above.') : 'Off. Only this computer can open the dashboard now.'));
  }

  const state = !v.enabled
    ? h('p', { 'data-testid': 'lan-state' }, h('strong', {}, 'Off. '), 'Only this computer can open the dashboard.')
    : v.urls.length
      ? h('div', { 'data-testid': 'lan-state' },
        h('p', {}, h('strong', {}, 'On. '), 'On another computer or phone on your network, open:'),
        h('ul', { class: 'plain' }, v.urls.map((u, i) => h('li', { class: 'copyable' }, h('code', { 'data-testid': `lan-url-${i}` }, u), copyButton(u, 'the address on your network', `copy-lan-url-${i}`)))))
      : h('p', { 'data-testid': 'lan-state', class: 'error-text' }, h('strong', {}, 'On, but not open. '), v.problem ?? 'It is not listening.');
  const current = h('p', { class: 'hint', 'data-testid': 'lan-password-state' }, v.passwordSet
    ? `A password is set${v.passwordSetAt ? ` (since ${formatDate(v.passwordSetAt)})` : ''}. Saving a new one signs every device out.`
    : 'No password is set yet. Set one before turning this on.');

  replaceChildren(body,
    h('p', {}, 'Open this dashboard from another computer or your phone at home, after signing in with a password.'),
    state,
    h('p', { class: 'hint', 'data-testid': 'lan-plain-http' }, PLAIN_HTTP),
    h('div', { class: 'actions' }, button(v.enabled ? 'Turn off' : 'Turn on…', { testid: 'lan-toggle', class: 'btn btn-secondary' }, toggle)),
    h('h3', {}, v.passwordSet ? 'Change the password' : 'Set a password'),
    current,
    // A form, so browsers and password managers see the fields as one password form, and Enter in
    // either field saves: implicit submission clicks the default button, whose handler does the work.
    // The submit itself is always cancelled, so nothing is ever posted (the CSP allows no form action).
    h('form', { id: 'lan-password-form', class: 'stack', 'aria-label': 'Password of the dashboard on your network', method: 'post', novalidate: true, onsubmit: (e: Event) => e.preventDefault() },
      h('input', { type: 'text', name: 'username', value: LAN_USERNAME, autocomplete: 'username', hidden: true }),
      field('New password', pw, 'At least 8 characters; a few words make a good one.'),
      field('New password again', again),
      h('div', { class: 'actions' }, button('Save password', { testid: 'lan-password-save', class: 'btn btn-secondary', type: 'submit' }, savePassword))),
    result,
    h('details', { 'data-testid': 'lan-advanced' }, h('summary', {}, 'Advanced'),
      h('p', { class: 'hint' }, 'In the config file: ', h('code', {}, '"ui": {"lan": {"enabled": true, "port": 8766, "bind": null, "names": []}}'),
        ' (bind: one address of this computer, or null for all its private ones; names: host names such as nas.local that it may be opened with). Port, address and names take effect at the next start.'),
      h('p', { class: 'hint' }, 'On the computer that runs Portico, ', h('code', {}, 'portico ui-password --config FILE'), ' sets the password from the keyboard (never as an argument, so it stays out of the shell history).')));
}
