import type { PlexDiscovery } from '../../main/shared/api.ts';
import { button, errorNotice, h, notice, replaceChildren } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { attempt, callThenShow } from '../views/call-then-show.ts';
import { PIN_APPROVE_WITHIN, TOKEN_SOURCE_WORDS } from '../../main/shared/plex-words.ts';

const POLL_MS = 2000;

export function plexStep(ctx: StepContext): StepView {
  const result = h('div', { class: 'stack', 'data-testid': 'plex-status', 'aria-live': 'polite' }, h('p', { role: 'status' }, 'Looking for Plex Media Server…'));
  const signin = h('div', { class: 'stack', 'data-testid': 'plex-signin-area' });
  let pollTimer: number | undefined;
  let disposed = false;
  const stopPolling = () => { if (pollTimer !== undefined) window.clearTimeout(pollTimer); pollTimer = undefined; };

  async function discover(): Promise<void> {
    stopPolling();
    const d = await attempt(result, () => ctx.api['plex:discover']());
    if (!d || disposed) return;
    replaceChildren(result, describe(d));
    replaceChildren(signin);
    if (d.found && d.tokenValid) {
      await ctx.complete('plex');
      ctx.announce('Plex Media Server found and signed in.');
    } else if (d.found) {
      replaceChildren(signin,
        h('p', {}, 'Portico needs to sign in to Plex once, as the owner of this server, to change its settings. You sign in on plex.tv; Portico never sees your password.'),
        button('Sign in with Plex', { testid: 'plex-signin', class: 'btn btn-primary' }, startSignIn));
    }
  }

  function describe(d: PlexDiscovery): HTMLElement {
    if (!d.found) {
      return h('div', { class: 'stack' },
        d.error ? errorNotice(d.error, 'plex-not-found') : notice('error', `Plex Media Server does not answer at ${d.url}.`, undefined, 'Start Plex Media Server on this computer (or wait until it has finished starting), then choose "Check again".', 'plex-not-found'),
        button('Check again', { testid: 'plex-recheck', class: 'btn btn-secondary' }, discover));
    }
    return h('div', { class: 'stack' },
      notice('ok', `Found Plex Media Server${d.version ? ` ${d.version}` : ''} at ${d.url}.`, d.machineIdentifier ? `Server ID ${d.machineIdentifier}` : undefined, undefined, 'plex-found'),
      d.tokenValid
        ? notice('ok', 'Portico is signed in as the owner of this server.', `Plex token ${TOKEN_SOURCE_WORDS[d.token]}.`, undefined, 'plex-signed-in')
        : d.error
          ? errorNotice(d.error, 'plex-token-problem')
          : notice('warning', d.token === 'none' ? 'Portico is not signed in to Plex yet.' : 'The saved Plex sign-in no longer works.', undefined, 'Choose "Sign in with Plex" below.', 'plex-token-problem'),
      button('Check again', { testid: 'plex-recheck', class: 'btn btn-secondary' }, discover));
  }

  async function startSignIn(): Promise<void> {
    const r = await callThenShow(signin, () => ctx.api['plex:signin-start'](), {
      errorTestid: 'plex-signin-error', alsoOnError: () => button('Try again', { testid: 'plex-signin', class: 'btn btn-secondary' }, startSignIn),
    });
    if (!r?.ok) return;
    const state = h('p', { 'data-testid': 'plex-signin-state', role: 'status' }, 'Waiting for you to sign in on plex.tv…');
    replaceChildren(signin,
      h('p', {}, 'Open plex.tv, sign in, and confirm this code if asked:'),
      h('p', { class: 'pin-code', 'data-testid': 'plex-pin-code', 'aria-label': `Code ${r.value.code.split('').join(' ')}` }, r.value.code),
      h('p', {}, h('a', { href: r.value.authUrl, target: '_blank', rel: 'noopener noreferrer', class: 'btn btn-primary', 'data-testid': 'plex-auth-link' }, 'Open plex.tv to sign in'), ' ',
        h('span', { class: 'hint' }, '(opens in your browser)')),
      state);
    const poll = async () => {
      if (disposed) return;
      const p = await callThenShow(signin, () => ctx.api['plex:signin-poll'](), {
        errorTestid: 'plex-signin-error', alsoOnError: () => button('Get a new code', { testid: 'plex-signin', class: 'btn btn-secondary' }, startSignIn),
      });
      if (disposed || !p?.ok) return;
      if (p.value.state === 'signed-in') { state.textContent = 'Signed in.'; await discover(); return; }
      if (p.value.state === 'expired') {
        replaceChildren(signin, notice('warning', 'The sign-in code expired before it was confirmed.', undefined, `Choose "Get a new code" and sign in ${PIN_APPROVE_WITHIN}.`, 'plex-signin-expired'),
          button('Get a new code', { testid: 'plex-signin', class: 'btn btn-secondary' }, startSignIn));
        return;
      }
      pollTimer = window.setTimeout(poll, POLL_MS);
    };
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  void discover();
  return {
    body: h('div', { class: 'stack' }, result, signin),
    dispose: () => { disposed = true; stopPolling(); },
  };
}
