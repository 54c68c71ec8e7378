import { h } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';

export function welcomeStep(ctx: StepContext): StepView {
  const demo = ctx.status().demo;
  return {
    body: h('div', { class: 'stack' },
      h('p', {}, 'In a few minutes you will have:'),
      h('ul', { class: 'bullets' },
        h('li', {}, 'your own address for Plex, with a certificate every browser and Plex app trusts;'),
        h('li', {}, 'real client addresses in Plex, so bandwidth limits and dashboards keep working;'),
        h('li', {}, 'certificates renewed on their own, with a warning in the tray if anything needs you.')),
      h('p', {}, 'You will need: Plex Media Server running on this computer, a domain (your own, or a free DuckDNS name), and access to your router if it does not support automatic port mapping.'),
      demo ? h('p', { class: 'hint' }, 'Demo mode: everything runs against local stand-ins, so you can click through safely.') : null,
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'btn btn-primary', 'data-testid': 'welcome-start',
          onclick: async () => { await ctx.complete('welcome'); ctx.next(); },
        }, 'Start setup'))),
  };
}
