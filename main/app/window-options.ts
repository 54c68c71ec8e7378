/**
 * The security-relevant settings of the app window, as plain values and pure checks so a test
 * can assert them without Electron (only `import type` here). main.ts applies them.
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, type WindowSize } from './window-state.ts';

export function windowOptions(preloadPath: string, iconPath?: string, size: WindowSize = DEFAULT_WINDOW_SIZE): BrowserWindowConstructorOptions {
  return {
    width: size.width,
    height: size.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    title: 'Portico',
    ...(iconPath ? { icon: iconPath } : {}),
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click would open links in a new Electron window; there is no use for it here.
      disableBlinkFeatures: 'Auxclick',
    },
  };
}

/** Same document, ignoring the fragment (the renderer routes with #/setup/… and #/dashboard). */
export function isSameDocument(url: string, indexUrl: string): boolean {
  try {
    const a = new URL(url), b = new URL(indexUrl);
    a.hash = ''; b.hash = '';
    return a.href === b.href;
  } catch {
    return false;
  }
}

/**
 * IPC is answered only for our own page in the top frame of our window (GitHub Desktop's rule):
 * a frame or a navigated-away page must never reach the service.
 */
export function isTrustedSender(sender: { url: string; isMainFrame: boolean } | null, indexUrl: string): boolean {
  return sender !== null && sender.isMainFrame && isSameDocument(sender.url, indexUrl);
}

const EXTERNAL_HOSTS = ['plex.tv', 'app.plex.tv', 'www.plex.tv', 'support.plex.tv', 'letsencrypt.org', 'www.duckdns.org', 'dash.cloudflare.com'];

/**
 * Links the window may hand to the system browser: plex.tv sign-in and help pages, and the
 * user's own domains over https. Everything else is dropped (and never opened inside the app).
 */
export function isAllowedExternalUrl(url: string, domains: readonly string[]): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  return EXTERNAL_HOSTS.includes(host) || domains.some((d) => d.toLowerCase() === host);
}
