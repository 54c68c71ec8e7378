/**
 * Alerts for a headless service that has no tray: when the health verdict really changes (the
 * same rule as the desktop notification, tray-model.ts's notificationFor, plus "working again"),
 * a JSON POST to a webhook and/or a message to an ntfy topic. The webhook URL and the ntfy token
 * are secrets (a Discord or Slack webhook URL is a credential): they never reach the log or an
 * error text, which names the channel and the host only.
 */
import type { Health } from '../../shared/status.ts';
import { notificationFor } from '../../shared/tray-model.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { Logger } from '../support/logger.ts';
import { httpText } from '../support/http-text.ts';

export interface AlertChannels {
  /** The webhook URL: POST application/json { event, state, previous, title, message, at, portico }. The config's `alerts` as it is. */
  webhook?: string | null;
  /** ntfy topic URL (https://ntfy.sh/my-topic or a self-hosted server), optional access token. */
  ntfy?: { url: string; token?: string | null } | null;
}

export interface Alert {
  kind: 'health-changed' | 'test';
  title: string;
  body: string;
  state: Health['state'];
  previous: Health['state'] | null;
  /** ntfy priority: 5 urgent … 3 default. */
  priority: 3 | 4 | 5;
}

export interface AlertSenderOptions {
  channels: () => AlertChannels;
  logger: Logger;
  version: string;
  now: () => number;
  /** Where the dashboard is, for the ntfy "click" action (optional). */
  dashboardUrl?: () => string | null;
  timeoutMs?: number;
  /** Each channel's outcome, for the event list (the texts name the host, never the secret URL). */
  onResult?: (channel: 'webhook' | 'ntfy', alert: Alert, result: Result<void>) => void;
}

const TIMEOUT_MS = 10_000;

/** The alert for a change of verdict, or null when it is no news (retries, getting a little better). */
export function alertFor(prev: Health | undefined, next: Health): Alert | null {
  const note = notificationFor(prev, next);
  if (note) return { kind: 'health-changed', ...note, state: next.state, previous: prev?.state ?? null, priority: next.state === 'error' ? 5 : 4 };
  if (next.state === 'ok' && prev && (prev.state === 'warning' || prev.state === 'error')) {
    return { kind: 'health-changed', title: 'Portico: remote access to Plex works again', body: next.reason, state: 'ok', previous: prev.state, priority: 3 };
  }
  return null;
}

const fail = (code: string, message: string, fix: string): AppError => ({ code, message, fix });

export class AlertSender {
  private readonly o: AlertSenderOptions;
  private readonly log: Logger;

  constructor(o: AlertSenderOptions) {
    this.o = o;
    this.log = o.logger.child('alerts');
  }

  /** Which channels are set up (no secrets). */
  configured(): ('webhook' | 'ntfy')[] {
    const c = this.o.channels();
    return [...(c.webhook ? ['webhook' as const] : []), ...(c.ntfy?.url ? ['ntfy' as const] : [])];
  }

  /** Send to every configured channel; one result per channel, failures as values. */
  async send(a: Alert): Promise<{ channel: 'webhook' | 'ntfy'; result: Result<void> }[]> {
    const c = this.o.channels();
    const out: { channel: 'webhook' | 'ntfy'; result: Result<void> }[] = [];
    if (c.webhook) out.push({ channel: 'webhook', result: await this.webhook(c.webhook, a) });
    if (c.ntfy?.url) out.push({ channel: 'ntfy', result: await this.ntfy(c.ntfy.url, c.ntfy.token ?? null, a) });
    for (const r of out) {
      if (r.result.ok) this.log.info('alert sent', { channel: r.channel, state: a.state });
      else this.log.warn('alert failed', { channel: r.channel, code: r.result.error.code, error: r.result.error.message });
      this.o.onResult?.(r.channel, a, r.result);
    }
    return out;
  }

  /** "Send a test alert" from the dashboard. */
  test(): Promise<{ channel: 'webhook' | 'ntfy'; result: Result<void> }[]> {
    return this.send({ kind: 'test', title: 'Portico: test alert', body: 'Alerts from Portico reach you here.', state: 'ok', previous: null, priority: 3 });
  }

  private webhook(url: string, a: Alert): Promise<Result<void>> {
    const body = JSON.stringify({
      event: a.kind,
      state: a.state, previous: a.previous, title: a.title, message: a.body,
      at: new Date(this.o.now()).toISOString(), portico: { version: this.o.version },
    });
    return this.post('webhook', url, { 'content-type': 'application/json' }, body);
  }

  private ntfy(url: string, token: string | null, a: Alert): Promise<Result<void>> {
    const click = this.o.dashboardUrl?.();
    // ntfy reads headers as latin-1: keep the title ASCII, the body carries the UTF-8 text.
    const headers: Record<string, string> = {
      title: a.title.replace(/[^\x20-\x7e]/g, '-'),
      priority: String(a.priority),
      tags: a.state === 'ok' ? 'white_check_mark' : a.state === 'error' ? 'rotating_light' : 'warning',
      'content-type': 'text/plain; charset=utf-8',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(click && /^https?:\/\//.test(click) ? { click } : {}),
    };
    return this.post('ntfy', url, headers, a.body);
  }

  private async post(channel: 'webhook' | 'ntfy', url: string, headers: Record<string, string>, body: string): Promise<Result<void>> {
    let host: string;
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)');
      host = u.host;
    } catch {
      return err(fail('alert-bad-url', `The ${channel} address is not an http(s) URL.`, `Enter the full ${channel === 'ntfy' ? 'topic URL, e.g. https://ntfy.sh/your-topic' : 'webhook URL your service gave you'}.`));
    }
    try {
      // A redirect is not followed: it comes back as its status, an alert-failed naming it.
      const res = await httpText(url, {
        method: 'POST', body,
        headers: { 'user-agent': `Portico/${this.o.version}`, ...headers },
        timeoutMs: this.o.timeoutMs ?? TIMEOUT_MS,
      });
      if (res.ok) return ok(undefined);
      if (res.status === 401 || res.status === 403) {
        return err(fail('alert-refused', `${host} refused the ${channel} alert (HTTP ${res.status}).`, channel === 'ntfy' ? 'Check the access token, or that the topic allows anonymous publishing.' : 'Check the webhook URL: it may have been revoked.'));
      }
      if (res.status === 404) return err(fail('alert-not-found', `${host} has no such ${channel} address (HTTP 404).`, 'Copy the URL again from the service that gave it to you.'));
      if (res.status === 429) return err(fail('alert-rate-limited', `${host} is rate-limiting alerts (HTTP 429).`, 'Nothing to do; later changes are sent again.'));
      return err(fail('alert-failed', `${host} answered HTTP ${res.status} to the ${channel} alert.`, 'Check that the service is up; Portico sends the next change again.'));
    } catch (e) {
      return err(fail('alert-unreachable', `${host} could not be reached for the ${channel} alert (${(e as Error).message}).`, 'Check this computer\'s internet connection and the address.'));
    }
  }
}

