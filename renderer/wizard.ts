/**
 * The setup wizard: a step list that can be revisited at any time, one step panel, and a
 * footer. Where the user is and what is done is saved with 'wizard:save' on every move, and each
 * step refills its form from 'config:get', so leaving halfway loses nothing.
 */
import { WIZARD_STEPS, type ConfigView, type PorticoApiClient, type WizardState, type WizardStep } from '../main/shared/api.ts';
import type { AppStatus } from '../main/shared/status.ts';
import { h, replaceChildren } from './dom.ts';
import { welcomeStep } from './steps/welcome-step.ts';
import { plexStep } from './steps/plex-step.ts';
import { domainStep } from './steps/domain-step.ts';
import { routerStep } from './steps/router-step.ts';
import { certificateStep } from './steps/certificate-step.ts';
import { plexSettingsStep } from './steps/plex-settings-step.ts';
import { verifyStep } from './steps/verify-step.ts';

export interface StepContext {
  api: PorticoApiClient;
  status(): AppStatus;
  config(): ConfigView;
  setConfig(c: ConfigView): void;
  isComplete(step: WizardStep): boolean;
  /** Mark the step done (saved at once) and enable Continue. */
  complete(step: WizardStep): Promise<void>;
  next(): void;
  finish(): Promise<void>;
  announce(message: string): void;
}

export interface StepView {
  body: HTMLElement;
  onStatus?(s: AppStatus): void;
  dispose?(): void;
}

interface StepDef { title: string; short: string; intro: string; render: (ctx: StepContext) => StepView; needs: string }

const STEP_DEFS: Record<WizardStep, StepDef> = {
  welcome: { title: 'Welcome', short: 'Welcome', intro: 'Portico gives your Plex Media Server its own address with a real HTTPS certificate, such as https://plex.example.com.', render: welcomeStep, needs: 'Choose "Start setup" to begin.' },
  plex: { title: 'Find Plex Media Server', short: 'Plex', intro: 'Portico looks for Plex Media Server on this computer and needs your permission to change its settings.', render: plexStep, needs: 'Continue is available once Plex Media Server is found and Portico is signed in.' },
  domain: { title: 'Choose your domain', short: 'Domain', intro: 'The name people will use to reach your Plex, and how its DNS record is kept up to date.', render: domainStep, needs: 'Continue is available once the domain is saved.' },
  router: { title: 'Open the door on your router', short: 'Router', intro: 'Your router has to pass HTTPS connections from the internet to Portico on this computer.', render: routerStep, needs: 'Continue is available once the ports are mapped, or you chose to forward them yourself.' },
  certificate: { title: 'Get a certificate', short: 'Certificate', intro: 'Portico proves to the certificate authority that the domain is yours, first as a dry run, then for real.', render: certificateStep, needs: 'Continue is available once the certificate is issued.' },
  'plex-settings': { title: 'Tell Plex its new address', short: 'Plex settings', intro: 'Portico changes a few Plex Media Server settings so every Plex app uses your domain. You see every change before it is made, and can undo it.', render: plexSettingsStep, needs: 'Continue is available once the settings are applied.' },
  verify: { title: 'Check that it all works', short: 'Verify', intro: 'Portico checks each part of the path to Plex and says where each result comes from: this computer, plex.tv, or the certificate authority looking from the internet.', render: verifyStep, needs: 'Every check must pass to finish.' },
};

/** Steps whose tick depends on something that can be undone outside the step. */
const STILL_DONE: Partial<Record<WizardStep, (s: AppStatus) => boolean>> = {
  'plex-settings': (s) => s.plex.applied,
};

export interface WizardDeps {
  api: PorticoApiClient;
  status(): AppStatus;
  config(): ConfigView;
  setConfig(c: ConfigView): void;
  wizard(): WizardState;
  setWizard(w: WizardState): void;
  go(hash: string): void;
  announce(message: string): void;
  onError(e: unknown): void;
}

/** Build the wizard view for one step; returns the element and a status hook. */
export function renderWizard(step: WizardStep, deps: WizardDeps): StepView {
  const def = STEP_DEFS[step];
  const index = WIZARD_STEPS.indexOf(step);
  const nextStep = WIZARD_STEPS[index + 1];
  const prevStep = WIZARD_STEPS[index - 1];

  const save = async (w: WizardState) => {
    deps.setWizard(w);
    try { deps.setWizard(await deps.api['wizard:save'](w)); } catch (e) { deps.onError(e); }
  };

  const stepList = h('ol', { class: 'steps' });
  const footer = h('div', { class: 'step-footer' });
  const renderNav = () => {
    const w = deps.wizard();
    replaceChildren(stepList, WIZARD_STEPS.map((s, i) => {
      const done = w.completed.includes(s);
      return h('li', { class: `steps-item${done ? ' is-done' : ''}` },
        h('a', { href: `#/setup/${s}`, 'data-testid': `step-link-${s}`, 'aria-current': s === step ? 'step' : null, class: s === step ? 'is-current' : null },
          h('span', { class: 'steps-num', 'aria-hidden': 'true' }, done ? '✓' : String(i + 1)),
          h('span', {}, STEP_DEFS[s].short),
          done ? h('span', { class: 'visually-hidden' }, ' (done)') : null));
    }));
    const complete = w.completed.includes(step);
    replaceChildren(footer,
      prevStep ? h('a', { href: `#/setup/${prevStep}`, class: 'btn btn-secondary', 'data-testid': 'wizard-back' }, 'Back') : h('span'),
      nextStep
        ? h('div', { class: 'step-next' },
          complete ? null : h('p', { class: 'hint', id: 'wizard-next-hint' }, def.needs),
          h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'wizard-next', disabled: !complete, 'aria-describedby': complete ? null : 'wizard-next-hint', onclick: () => ctx.next() }, `Continue to ${STEP_DEFS[nextStep].short}`))
        : null);
  };

  const ctx: StepContext = {
    api: deps.api,
    status: deps.status,
    config: deps.config,
    setConfig: deps.setConfig,
    isComplete: (s) => deps.wizard().completed.includes(s),
    complete: async (s) => {
      const w = deps.wizard();
      if (!w.completed.includes(s)) await save({ ...w, completed: [...w.completed, s] });
      renderNav();
    },
    next: () => { if (nextStep) deps.go(`#/setup/${nextStep}`); },
    finish: async () => {
      const w = deps.wizard();
      await save({ step: 'verify', completed: w.completed.includes('verify') ? w.completed : [...w.completed, 'verify'], finished: true });
      deps.go('#/dashboard');
    },
    announce: deps.announce,
  };

  /** A step whose result can be taken back elsewhere (the dashboard's undo) loses its tick with it. */
  const forget = () => {
    const w = deps.wizard();
    const kept = w.completed.filter((st) => STILL_DONE[st]?.(deps.status()) ?? true);
    if (kept.length !== w.completed.length) void save({ ...w, completed: kept });
  };
  forget();
  // Remember where the user is, so closing the window here reopens here.
  if (deps.wizard().step !== step) void save({ ...deps.wizard(), step });

  const view = def.render(ctx);
  renderNav();
  const body = h('div', { class: 'wizard' },
    h('nav', { class: 'wizard-nav', 'aria-label': 'Setup steps' }, stepList),
    h('section', { class: 'step', 'data-testid': `step-${step}`, 'aria-labelledby': 'step-title' },
      h('p', { class: 'step-count' }, `Step ${index + 1} of ${WIZARD_STEPS.length}`),
      h('h2', { id: 'step-title', 'data-testid': 'step-title', tabindex: '-1' }, def.title),
      h('p', { class: 'step-intro' }, def.intro),
      view.body,
      footer));
  let applied = deps.status().plex.applied;
  const onStatus = (st: AppStatus) => {
    // Only a change to "not applied" counts: an older push arriving after Apply must not undo the tick.
    if (applied && !st.plex.applied) { forget(); renderNav(); }
    applied = st.plex.applied;
    view.onStatus?.(st);
  };
  return { body, onStatus, dispose: view.dispose };
}

export const isWizardStep = (s: string): s is WizardStep => (WIZARD_STEPS as readonly string[]).includes(s);
