/**
 * The sign-in page of the dashboard on the local network: plain HTML with the dashboard's own
 * stylesheet, no script (so it works before anything else loads, and the strict CSP holds), a
 * form that posts to /login. The only page whose CSP allows a form, and only to this server.
 */
import { LAN_USERNAME } from '../../shared/lan-password.ts';
import { RENDERER_CSP } from '../../shared/renderer-csp.ts';

export const LOGIN_PAGE_CSP = RENDERER_CSP.replace("form-action 'none'", "form-action 'self'");

export interface LoginPageOptions {
  /** What went wrong with the last try, in plain words; 'signed-out' says so. */
  notice?: { kind: 'error' | 'info'; text: string };
  /** The address the page was opened at, e.g. "192.168.1.20:8766". */
  host: string;
  /** No password is set yet: there is nothing to sign in with. */
  noPassword?: boolean;
}

export function loginPage(o: LoginPageOptions): string {
  const notice = o.notice
    ? `<div class="notice notice-${o.notice.kind}" role="${o.notice.kind === 'error' ? 'alert' : 'status'}" data-testid="login-notice"><p class="notice-title">${esc(o.notice.text)}</p></div>`
    : '';
  const form = o.noPassword
    ? '<p data-testid="login-no-password">No password is set for this dashboard yet. On the computer that runs Portico, open its dashboard and set one under <strong>Dashboard on your network</strong>.</p>'
    : `<form method="post" action="/login" class="stack" data-testid="login-form">
        <input type="text" name="username" value="${LAN_USERNAME}" autocomplete="username" hidden>
        <div class="field">
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required autofocus data-testid="login-password">
        </div>
        <p><button type="submit" class="btn btn-primary" data-testid="login-submit">Sign in</button></p>
      </form>`;
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <title>Sign in — Portico</title>
  <link rel="icon" href="/assets/icon.png">
  <link rel="stylesheet" href="/styles.css">
</head>
<body>
  <div class="app">
    <header class="topbar"><p class="brand"><img src="/assets/icon.png" alt="" width="28" height="28"> Portico</p></header>
    <main id="main" class="dashboard stack">
      <section class="card stack" aria-labelledby="login-h">
        <h1 id="login-h">Sign in to Portico</h1>
        <p>This is the Portico dashboard at <code>${esc(o.host)}</code>, on your home network.</p>
        ${notice}
        ${form}
        <p class="hint" data-testid="login-plain-http">This connection is not encrypted (plain http), like most home devices’ settings pages: sign in only on your own network, never on public Wi-Fi.</p>
      </section>
    </main>
  </div>
</body>
</html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
