/**
 * The renderer's one way to reach the service. In Electron the preload exposes `window.portico`
 * over IPC; in a browser (`portico serve`) the same calls go over HTTP with the session token
 * from the link `portico serve` printed, and push events arrive as Server-Sent Events read with
 * fetch (EventSource can't send the Authorization header). On the local network there is no
 * token: the browser sends the session cookie of the sign-in page, and a lapsed session goes back there.
 */
import { CHANNELS, type Channel, type PorticoApiClient, type PorticoEvents } from '../main/shared/api.ts';
import { EVENTS, isEventName, type EventName, type PorticoBridge } from '../main/shared/ipc.ts';

/** The session token is missing, wrong or expired: only a new link from `portico serve` helps. */
export class UnauthorizedError extends Error {
  constructor() {
    super('This page has no valid session. Open the link printed by `portico serve` (it contains the session token).');
    this.name = 'UnauthorizedError';
  }
}

/** The service did not answer (stopped, crashed, or the network call failed). */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export interface Connection {
  mode: 'electron' | 'http';
  api: PorticoApiClient;
  on: PorticoBridge['on'];
  /** Signed in with the password (the dashboard on the local network): end that session. */
  signOut?: () => Promise<void>;
}

export interface ConnectOptions {
  onUnauthorized: () => void;
  /** The push-event stream dropped or came back, for a visible "reconnecting" hint. */
  onLinkChange?: (up: boolean) => void;
}

const TOKEN_KEY = 'portico-session-token';

export function connect(win: Window & { portico?: PorticoBridge }, opts: ConnectOptions): Connection {
  if (win.portico) return { mode: 'electron', api: win.portico, on: win.portico.on };
  return httpConnection(win, readToken(win), opts);
}

/** Take the token from `#token=…` once, keep it for this tab only, and remove it from the address bar and history. */
function readToken(win: Window): string | null {
  const params = new URLSearchParams(win.location.hash.replace(/^#/, ''));
  const fromHash = params.get('token');
  if (fromHash) {
    win.sessionStorage.setItem(TOKEN_KEY, fromHash);
    win.history.replaceState(null, '', win.location.pathname + win.location.search);
  }
  return win.sessionStorage.getItem(TOKEN_KEY);
}

function httpConnection(win: Window, initialToken: string | null, opts: ConnectOptions): Connection {
  let token = initialToken;
  const headers = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});
  /** Without a token the session is the sign-in cookie (the dashboard on the local network): a lapsed one signs in again. */
  const fail401 = async (res?: Response): Promise<never> => {
    const code = res && !token ? await res.json().then((b: { error?: { code?: string } }) => b.error?.code, () => undefined) : undefined;
    if (code === 'login-required') win.location.assign('/login');
    else opts.onUnauthorized();
    throw new UnauthorizedError();
  };

  async function call(channel: Channel, args: unknown[]): Promise<unknown> {
    let res: Response;
    try {
      res = await win.fetch(`/api/${channel}`, { method: 'POST', headers: { ...headers(), 'Content-Type': 'application/json' }, body: JSON.stringify({ args }) });
    } catch {
      throw new ConnectionError('Portico did not answer. Check that `portico serve` is still running, then reload this page.');
    }
    if (res.status === 401 || res.status === 403) await fail401(res);
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new ConnectionError(`Portico answered ${res.status} to ${channel}${text ? `: ${text.slice(0, 200)}` : ''}. Reload the page; if it persists, restart \`portico serve\`.`);
    }
    return res.json();
  }

  const api = Object.fromEntries(CHANNELS.map((c) => [c, (...args: unknown[]) => call(c, args)])) as unknown as PorticoApiClient;
  // A new link: this tab moves to its token at once (the service refuses the old one from now on).
  api['ui:rotate-link'] = async () => {
    const r = await call('ui:rotate-link', []) as Awaited<ReturnType<PorticoApiClient['ui:rotate-link']>>;
    const next = r.ok ? new URLSearchParams(new URL(r.value.url).hash.replace(/^#/, '')).get('token') : null;
    if (next) {
      token = next;
      win.sessionStorage.setItem(TOKEN_KEY, next);
    }
    return r;
  };

  const listeners = new Map<EventName, Set<(payload: never) => void>>(EVENTS.map((e) => [e, new Set()]));
  let started = false;
  const dispatch = (event: string, payload: unknown) => {
    if (!isEventName(event)) return;
    for (const l of listeners.get(event) ?? []) (l as (p: unknown) => void)(payload);
  };

  async function stream(): Promise<void> {
    let delay = 1000;
    let first = true;
    for (;;) {
      try {
        const res = await win.fetch('/api/events', { headers: { ...headers(), Accept: 'text/event-stream' }, cache: 'no-store' });
        if (res.status === 401 || res.status === 403) { await fail401(res).catch(() => {}); return; }
        if (!res.ok || !res.body) throw new Error(`events: HTTP ${res.status}`);
        opts.onLinkChange?.(true);
        delay = 1000;
        // Events sent while we were away are lost: fetch the current status once we are back.
        if (!first) void api['status:get']().then((s) => dispatch('status:changed', s), () => {});
        first = false;
        await readSse(res.body, dispatch);
      } catch {
        // Dropped connection: fall through to the retry below.
      }
      opts.onLinkChange?.(false);
      await new Promise((r) => win.setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }

  function on<E extends EventName>(event: E, listener: (payload: PorticoEvents[E]) => void): () => void {
    listeners.get(event)?.add(listener as (payload: never) => void);
    if (!started) { started = true; void stream(); }
    return () => { listeners.get(event)?.delete(listener as (payload: never) => void); };
  }

  const signOut = async () => {
    await win.fetch('/logout', { method: 'POST' }).catch(() => {});
    win.location.assign('/login?signed-out');
  };
  return { mode: 'http', api, on, ...(token ? {} : { signOut }) };
}

/** Parse a text/event-stream body: blocks separated by a blank line, `event:` and `data:` fields. */
export async function readSse(body: ReadableStream<Uint8Array>, dispatch: (event: string, payload: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let idx;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (name === 'event') event = val;
        else if (name === 'data') data.push(val);
      }
      if (data.length === 0) continue;
      try {
        dispatch(event, JSON.parse(data.join('\n')));
      } catch {
        // A malformed event is skipped; the next status event repairs the view.
      }
    }
  }
}
