import type { ConfigPatch } from '../../main/shared/api.ts';
import { fieldProblems, type ConfigProblem, type DnsProviderConfig } from '../../main/shared/config.ts';
import { button, checklist, field, h, notice, replaceChildren } from '../dom.ts';
import type { StepContext, StepView } from '../wizard.ts';
import { cleanDomain } from '../clean-domain.ts';
import { callThenShow } from '../views/call-then-show.ts';

type Kind = 'own' | 'duckdns' | 'cloudflare';
const DDNS_HINT = /,? or turn on dynamic DNS below/;

export function domainStep(ctx: StepContext): StepView {
  const cfg = ctx.config();
  const initialKind: Kind = cfg.dns.provider === 'duckdns' || cfg.dns.provider === 'cloudflare' ? cfg.dns.provider : 'own';
  const savedSecret = (k: Kind) => cfg.dns.providerConfigured && cfg.dns.provider === k;

  const input = (id: string, type: string, value: string, extra: Record<string, string | boolean> = {}) =>
    h('input', { id, name: id, type, value, 'data-testid': id, autocomplete: 'off', spellcheck: 'false', ...extra });
  const name = input('domain-name', 'text', cfg.domains[0] ?? '', { required: true, inputmode: 'url' });
  const email = input('acme-email', 'email', cfg.acme.email ?? '', { autocomplete: 'email' });
  const duckToken = input('duckdns-token', 'password', '', { placeholder: savedSecret('duckdns') ? 'saved — leave empty to keep' : '' });
  const cfToken = input('cloudflare-token', 'password', '', { placeholder: savedSecret('cloudflare') ? 'saved — leave empty to keep' : '' });
  const cfZone = input('cloudflare-zone', 'text', '');
  const ddns = h('input', { id: 'ddns-enabled', type: 'checkbox', 'data-testid': 'ddns-enabled', checked: cfg.dns.ddns });

  const radio = (k: Kind, label: string, hint: string) => h('div', { class: 'choice' },
    h('input', { type: 'radio', name: 'domain-kind', id: `domain-kind-${k}`, value: k, 'data-testid': `domain-kind-${k}`, checked: k === initialKind, 'aria-describedby': `domain-kind-${k}-hint`, onchange: showKind }),
    h('label', { for: `domain-kind-${k}` }, label),
    h('p', { class: 'hint', id: `domain-kind-${k}-hint` }, hint));
  const kindSet = h('fieldset', { class: 'choices' },
    h('legend', {}, 'Where does your domain live?'),
    radio('own', 'My own domain', 'You create the DNS record at your registrar yourself (an A record pointing to your public address).'),
    radio('duckdns', 'DuckDNS (free)', 'A free name like myplex.duckdns.org; Portico keeps its address up to date.'),
    radio('cloudflare', 'Cloudflare', 'Your domain uses Cloudflare DNS; Portico can update the record and use DNS validation.'));

  const duckGroup = h('div', { class: 'stack', 'data-group': 'duckdns' },
    field('DuckDNS token', duckToken, 'The token shown at the top of your duckdns.org page. Stored in your system keychain, never shown again.'));
  const cfGroup = h('div', { class: 'stack', 'data-group': 'cloudflare' },
    field('Cloudflare API token', cfToken, 'Create it in Cloudflare: My Profile → API Tokens → "Edit zone DNS" for this zone. Stored in your system keychain.'),
    field('Zone ID (optional)', cfZone, 'Found on the Overview page of your domain in Cloudflare. Leave empty to look it up from the name.'));
  const ddnsGroup = h('div', { class: 'choice' }, ddns, h('label', { for: 'ddns-enabled' }, 'Keep the DNS record pointing at my public address (dynamic DNS)'));

  function kind(): Kind {
    return (kindSet.querySelector<HTMLInputElement>('input[name="domain-kind"]:checked')?.value as Kind | undefined) ?? 'own';
  }
  function showKind(): void {
    const k = kind();
    duckGroup.hidden = k !== 'duckdns';
    cfGroup.hidden = k !== 'cloudflare';
    ddnsGroup.hidden = k === 'own';
  }

  const problems = h('div', { 'data-testid': 'domain-problems' });
  const cleaned = h('p', { class: 'hint', role: 'status', 'data-testid': 'domain-cleaned' });
  // Tidied when pasted and when saved; not on blur, where the new line would move the Save button under the pointer.
  name.addEventListener('paste', () => window.setTimeout(tidyName, 0));
  const checks = h('div', { class: 'stack', 'aria-live': 'polite' });

  function providerPatch(): { provider?: DnsProviderConfig | null } {
    const k = kind();
    if (k === 'duckdns') return duckToken.value ? { provider: { kind: 'duckdns', token: duckToken.value.trim() } } : savedSecret('duckdns') ? {} : { provider: null };
    if (k === 'cloudflare') {
      const zoneId = cfZone.value.trim();
      return cfToken.value ? { provider: { kind: 'cloudflare', apiToken: cfToken.value.trim(), ...(zoneId ? { zoneId } : {}) } } : savedSecret('cloudflare') ? {} : { provider: null };
    }
    // A provider set outside the wizard (RFC 2136) is kept; only the ones offered here are removed.
    return cfg.dns.provider === 'duckdns' || cfg.dns.provider === 'cloudflare' ? { provider: null } : {};
  }

  /** Which field a config key belongs to, in the words of this form. */
  const fields: { key: RegExp; input: HTMLInputElement; label: string }[] = [
    { key: /^domains/, input: name, label: 'Domain name' },
    { key: /^acme\.email/, input: email, label: 'Email' },
    { key: /^dns\.provider\.token/, input: duckToken, label: 'DuckDNS token' },
    { key: /^dns\.provider\.(apiToken|zoneId)/, input: cfToken, label: 'Cloudflare API token' },
  ];
  function markInvalid(list: ConfigProblem[]): void {
    for (const f of fields) f.input.removeAttribute('aria-invalid');
    for (const p of list) fields.find((f) => f.key.test(p.key))?.input.setAttribute('aria-invalid', 'true');
  }
  /** A refusal in the words of the form; the config keys only inside "Advanced", for a bug report. */
  function refused(list: ConfigProblem[]): HTMLElement[] {
    return [
      notice('error', 'The settings were not saved.', undefined, 'Correct the marked fields and save again; your previous settings are still in effect.', 'domain-problem'),
      h('ul', { class: 'problems' }, list.map((p) => h('li', {}, `${fields.find((f) => f.key.test(p.key))?.label ?? 'Another setting'}: ${p.message}`))),
      h('details', { class: 'advanced' }, h('summary', {}, 'Advanced'), h('ul', { class: 'problems' }, list.map((p) => h('li', {}, h('code', {}, p.key), ': ', p.message)))),
    ];
  }
  function refuse(input: HTMLInputElement, title: string, fix: string): void {
    input.setAttribute('aria-invalid', 'true');
    replaceChildren(problems, notice('error', title, undefined, fix, 'domain-problem'));
    input.focus();
  }
  /** Show the name as Portico will use it; say so when that differs from what was typed or pasted. */
  function tidyName(): string {
    const raw = name.value;
    const clean = cleanDomain(raw);
    if (clean !== raw.trim()) {
      name.value = clean;
      replaceChildren(cleaned, `Cleaned up to ${clean}: Portico needs only the name.`);
    } else replaceChildren(cleaned);
    return clean;
  }

  async function save(): Promise<void> {
    replaceChildren(problems);
    markInvalid([]);
    const domain = tidyName();
    const emailValue = email.value.trim() || null;
    const k = kind();
    if (!domain) return refuse(name, 'Enter the domain name you want to use.', 'For example plex.example.com or myplex.duckdns.org.');
    if (k === 'duckdns' && !domain.endsWith('.duckdns.org')) return refuse(name, `${domain} is not a DuckDNS name.`, 'DuckDNS names end in .duckdns.org; pick "My own domain" for any other name.');
    // An empty token would save "no provider" while the form says DuckDNS or Cloudflare.
    if (k === 'duckdns' && !duckToken.value.trim() && !savedSecret('duckdns')) return refuse(duckToken, 'Enter your DuckDNS token.', 'Copy it from the top of your duckdns.org page, or pick "My own domain" if you keep the DNS record yourself.');
    if (k === 'cloudflare' && !cfToken.value.trim() && !savedSecret('cloudflare')) return refuse(cfToken, 'Enter your Cloudflare API token.', 'Create one in Cloudflare under My Profile → API Tokens ("Edit zone DNS"), or pick "My own domain" if you keep the DNS record yourself.');
    // The config's own field rules, checked here first so the person sees them before anything is sent.
    const local = [...fieldProblems('domains', [domain]), ...fieldProblems('acme.email', emailValue)];
    if (local.length) {
      markInvalid(local);
      replaceChildren(problems, refused(local));
      (local[0]!.key.startsWith('domains') ? name : email).focus();
      return;
    }
    const patch: ConfigPatch = {
      domains: [domain],
      acme: { email: emailValue },
      dns: { ...providerPatch(), ddns: k !== 'own' && ddns.checked },
    };
    const r = await callThenShow(problems, () => ctx.api['config:update'](patch), { errorTestid: 'domain-problem' });
    if (!r) return;
    if (!r.ok) {
      const list = r.error.problems ?? [];
      markInvalid(list);
      if (list.length) replaceChildren(problems, refused(list));
      return;
    }
    // Say "Saved" only for what the service now holds.
    if (k !== 'own' && !(r.value.dns.provider === k && r.value.dns.providerConfigured)) {
      ctx.setConfig(r.value);
      return refuse(k === 'duckdns' ? duckToken : cfToken, `Portico did not save the ${k === 'duckdns' ? 'DuckDNS' : 'Cloudflare'} settings.`, 'Enter the token again and save; if this keeps happening, export diagnostics from the dashboard.');
    }
    duckToken.value = '';
    cfToken.value = '';
    ctx.setConfig(r.value);
    replaceChildren(problems, notice('ok', `Saved: ${r.value.domains.join(', ')}.`, undefined, undefined, 'domain-saved'));
    await ctx.complete('domain');
    await checkDns();
  }

  async function checkDns(): Promise<void> {
    const r = await callThenShow(checks, () => ctx.api['dns:check'](), { busy: 'Checking DNS…', errorTestid: 'dns-check-error' });
    if (!r?.ok) return;
    const bad = r.value.filter((c) => c.ok === false).length;
    // The service's advice may point at the dynamic DNS option, which this form shows only for DuckDNS and Cloudflare.
    const shown = ddnsGroup.hidden ? r.value.map((c) => (c.fix ? { ...c, fix: c.fix.replace(DDNS_HINT, '') } : c)) : r.value;
    replaceChildren(checks,
      h('h3', {}, 'DNS check'),
      checklist(shown, 'dns-checks'),
      bad ? h('p', { class: 'hint' }, 'DNS changes can take a few minutes to appear. You can continue and come back; the Verify step checks again.') : null,
      button('Check DNS again', { testid: 'dns-recheck', class: 'btn btn-secondary' }, checkDns));
    ctx.announce(bad ? `DNS check: ${bad} problem${bad > 1 ? 's' : ''} found.` : 'DNS check passed.');
  }

  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Domain', onsubmit: (e: Event) => { e.preventDefault(); saveBtn.click(); } },
    field('Domain name', name, 'The full name, e.g. plex.example.com. Portico asks the certificate authority for exactly this name.'), cleaned,
    kindSet, duckGroup, cfGroup, ddnsGroup,
    field('Email for certificate notices (optional)', email, 'The certificate authority writes here only if something about your certificate needs attention.'));
  const saveBtn = button('Save and check DNS', { testid: 'domain-save', class: 'btn btn-primary' }, save);
  showKind();
  if (ctx.isComplete('domain') && cfg.domains.length) void checkDns();

  return { body: h('div', { class: 'stack' }, form, h('div', { class: 'actions' }, saveBtn), problems, checks) };
}
