/**
 * The Alerts card: where a headless Portico says that remote access stopped (or started) working.
 * A webhook URL and an ntfy topic URL with an optional token; they are secrets, so the service
 * only ever tells us which host each goes to, and an empty field keeps what is stored.
 */
import type { AlertTestResult, ConfigView, PorticoApiClient } from '../../main/shared/api.ts';
import { button, field, h, notice, replaceChildren } from '../dom.ts';
import { callThenShow } from './call-then-show.ts';

export function alertsSettings(api: PorticoApiClient, initial: ConfigView['alerts']): HTMLElement {
  let current = initial;
  const webhook = h('input', { id: 'alert-webhook', type: 'url', 'data-testid': 'alert-webhook', autocomplete: 'off', placeholder: 'https://hooks.example.com/…' });
  const ntfyUrl = h('input', { id: 'alert-ntfy-url', type: 'url', 'data-testid': 'alert-ntfy-url', autocomplete: 'off', placeholder: 'https://ntfy.sh/your-topic' });
  const ntfyToken = h('input', { id: 'alert-ntfy-token', type: 'password', 'data-testid': 'alert-ntfy-token', autocomplete: 'off' });
  const now = h('p', { class: 'hint', 'data-testid': 'alerts-now' });
  const result = h('div', { 'aria-live': 'polite', 'data-testid': 'alerts-result', class: 'stack' });
  const drawNow = () => {
    const parts = [
      current.webhook ? `a webhook at ${current.webhook.host}` : null,
      current.ntfy ? `the ntfy topic at ${current.ntfy.host}${current.ntfy.token ? ' (with a token)' : ''}` : null,
    ].filter(Boolean);
    now.textContent = parts.length ? `Alerts go to ${parts.join(' and ')}. Leave a field empty to keep what is saved.` : 'No alerts are set up yet.';
  };
  async function save(): Promise<void> {
    const patch = {
      ...(webhook.value.trim() ? { webhook: webhook.value.trim() } : {}),
      ...(ntfyUrl.value.trim() || ntfyToken.value ? { ntfy: { url: ntfyUrl.value.trim(), ...(ntfyToken.value ? { token: ntfyToken.value } : {}) } } : {}),
    };
    if (Object.keys(patch).length === 0) {
      replaceChildren(result, notice('info', 'Nothing to save: enter a webhook URL or an ntfy topic URL first.', undefined, undefined, 'alerts-nothing'));
      return;
    }
    const r = await callThenShow(result, () => api['config:update']({ alerts: patch }), { busy: 'Saving…', errorTestid: 'alerts-save-error' });
    if (!r?.ok) return;
    current = r.value.alerts;
    webhook.value = ntfyUrl.value = ntfyToken.value = '';
    drawNow();
    replaceChildren(result, notice('ok', 'Saved. Send a test alert to see that it arrives.', undefined, undefined, 'alerts-saved'));
  }
  async function test(): Promise<void> {
    const r = await callThenShow(result, () => api['alerts:test'](), { busy: 'Sending a test alert…', errorTestid: 'alerts-test-error' });
    if (r?.ok) replaceChildren(result, r.value.map((x: AlertTestResult) => (x.ok
      ? notice('ok', x.message, undefined, undefined, `alerts-test-${x.channel}`)
      : notice('error', x.message, undefined, x.fix, `alerts-test-${x.channel}`))));
  }
  drawNow();
  return h('section', { class: 'card', 'data-testid': 'alerts-card', 'aria-labelledby': 'alerts-h' },
    h('h2', { id: 'alerts-h' }, 'Alerts'),
    h('p', {}, 'Portico can tell you when remote access to Plex stops working, and when it works again: by a webhook (Discord, Slack, Home Assistant…) or an ntfy topic on your phone.'),
    now,
    field('Webhook URL', webhook, 'The address your chat or automation service gave you. It is kept as a secret.'),
    field('ntfy topic URL', ntfyUrl, 'For example https://ntfy.sh/a-name-only-you-know.'),
    field('ntfy access token (if the topic needs one)', ntfyToken),
    h('div', { class: 'actions' },
      button('Save alerts', { testid: 'alerts-save', class: 'btn btn-secondary' }, save),
      button('Send a test alert', { testid: 'alerts-test', class: 'btn btn-secondary' }, test)),
    result);
}
