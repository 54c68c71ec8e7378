/**
 * The renderer's Content-Security-Policy, for the desktop window (main/app/main.ts) and the
 * headless dashboard (main/core/ui/ui-server.ts) alike: nothing inline, nothing remote, no eval.
 * The renderer talks to the service only through the preload's IPC bridge or same-origin fetch,
 * so connect-src needs nothing beyond 'self'. renderer/index.html carries the same policy as a
 * meta tag for file:// pages (test/app/window-options.test.ts keeps them in step).
 */
export const RENDERER_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "font-src 'self'",
  "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'", "object-src 'none'",
].join('; ');
