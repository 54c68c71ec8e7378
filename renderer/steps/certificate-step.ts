import type { ChallengeChoice } from '../../main/shared/config.ts';
import type { AppStatus } from '../../main/shared/status.ts';
import { button, field, h, notice, progressList, replaceChildren, type ProgressItem } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { callThenShow } from '../views/call-then-show.ts';
import { certSummary } from '../views/cert-summary.ts';

const CHALLENGES: { value: ChallengeChoice; label: string }[] = [
  { value: 'auto', label: 'Automatic (recommended)' },
  { value: 'tls-alpn-01', label: 'TLS-ALPN-01 — through port 443' },
  { value: 'http-01', label: 'HTTP-01 — through port 80' },
  { value: 'dns-01', label: 'DNS-01 — through your DNS provider' },
];

function recommendation(s: AppStatus, dnsProvider: boolean): string {
  // 'manual' with an error means Portico could not map and nobody confirmed a forward by hand.
  const reachable443 = s.router.state === 'mapped' || (s.router.state === 'manual' && !s.router.error);
  const port80Blocked = s.router.findings.some((f) => /port-?80/.test(f.id) && (f.severity === 'error' || f.severity === 'warning'));
  if (reachable443) return 'Port 443 reaches this computer, so Automatic will use TLS-ALPN-01 — it works even where your internet provider blocks port 80.';
  if (dnsProvider) return 'Your DNS provider is set up, so Automatic can use DNS-01 — no open port is needed.';
  if (port80Blocked) return 'Port 80 looks blocked; forward port 443 (Router step) or add a DNS provider (Domain step).';
  return 'Automatic tries TLS-ALPN-01 on port 443, then HTTP-01 on port 80, then DNS-01 if a DNS provider is set.';
}

export function certificateStep(ctx: StepContext): StepView {
  const cfg = ctx.config();
  const select = h('select', { id: 'cert-challenge', 'data-testid': 'cert-challenge' },
    CHALLENGES.map((c) => h('option', { value: c.value, selected: c.value === cfg.acme.challenge, disabled: c.value === 'dns-01' && !cfg.dns.providerConfigured }, c.label)));
  const challengeMsg = h('div', {});
  select.addEventListener('change', async () => {
    const r = await callThenShow(challengeMsg, () => ctx.api['config:update']({ acme: { challenge: select.value as ChallengeChoice } }), { errorTestid: 'cert-challenge-error' });
    if (!r?.ok) return;
    ctx.setConfig(r.value);
    replaceChildren(challengeMsg, notice('ok', `Saved: ${CHALLENGES.find((c) => c.value === select.value)?.label ?? select.value}.`));
  });

  const items: ProgressItem[] = [
    { id: 'staging', label: 'Dry run against the test CA (does not count against rate limits)', state: 'pending' },
    { id: 'production', label: 'Real certificate from the CA', state: 'pending' },
  ];
  const progress = h('div', { 'aria-live': 'polite' });
  const outcome = h('div', { class: 'stack' });
  const current = h('div', {}, certSummary(ctx.status().certificates, 'cert-current'));
  const drawProgress = () => replaceChildren(progress, progressList(items, 'cert-progress'));

  async function run(): Promise<void> {
    replaceChildren(outcome);
    for (const i of items) { i.state = 'pending'; delete i.detail; }
    for (const [idx, item] of items.entries()) {
      item.state = 'running';
      drawProgress();
      ctx.announce(`${item.label}: in progress.`);
      const r = await callThenShow(outcome, () => ctx.api['cert:issue']({ staging: item.id === 'staging' }), {
        errorTestid: 'cert-error',
        alsoOnError: () => (item.id === 'staging' ? h('p', { class: 'hint' }, 'Nothing was asked of the real CA, so no rate limit was used up.') : null),
      });
      if (!r?.ok) {
        item.state = 'failed';
        for (const later of items.slice(idx + 1)) later.state = 'skipped';
        drawProgress();
        ctx.announce(`${item.label}: failed.`);
        return;
      }
      item.state = 'done';
      item.detail = [r.value.issuer, r.value.challenge && `checked with ${r.value.challenge}`].filter(Boolean).join(', ');
      drawProgress();
    }
    replaceChildren(outcome, notice('ok', 'Your certificate is ready and the door serves it now.', undefined, undefined, 'cert-issued'));
    ctx.announce('Certificate issued.');
    await ctx.complete('certificate');
  }

  drawProgress();
  return {
    body: h('div', { class: 'stack' },
      field('How to prove the domain is yours', select, recommendation(ctx.status(), cfg.dns.providerConfigured)),
      challengeMsg,
      h('div', { class: 'actions' }, button('Get certificate', { testid: 'cert-issue', class: 'btn btn-primary' }, run)),
      progress, outcome,
      h('h3', {}, 'Current certificate'), current),
    onStatus: (s) => replaceChildren(current, certSummary(s.certificates, 'cert-current')),
  };
}
