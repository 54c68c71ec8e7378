/**
 * Electron main process: glue only. Single instance, tray, one window, IPC to the service.
 * Everything worth testing lives in main/core, main/shared and the pure helpers beside this file.
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, safeStorage, session, shell, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Health } from '../shared/status.ts';
import { notificationFor, type TrayItemId, type TrayModel } from '../shared/tray-model.ts';
import { consoleSink, createLogger } from '../core/support/logger.ts';
import { openAppConfigFile } from './app-config.ts';
import { DataDir } from '../core/support/data-dir.ts';
import { startAppService } from './start-app-service.ts';
import type { AppService } from './app-service.ts';
import { registerIpcHandlers } from './ipc-handlers.ts';
import { SafeStorageSecretStore } from './safe-storage-secret-store.ts';
import { TrayController } from './tray.ts';
import { RENDERER_CSP } from '../shared/renderer-csp.ts';
import { isAllowedExternalUrl, isSameDocument, isTrustedSender, windowOptions } from './window-options.ts';

const log = createLogger({ sink: consoleSink, scope: 'app' });

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const distDir = join(import.meta.dirname, '..', '..');
  const rendererIndex = join(distDir, 'renderer', 'index.html');
  const indexUrl = pathToFileURL(rendererIndex).href;
  const preloadPath = join(distDir, 'main', 'preload', 'preload.cjs');
  const resourcesDir = join(app.getAppPath(), 'resources');

  let win: BrowserWindow | null = null;
  let service: AppService | null = null;

  const showWindow = (hash?: string) => {
    if (!win) {
      win = new BrowserWindow(windowOptions(preloadPath, join(resourcesDir, 'icon.png')));
      const contents = win.webContents;
      contents.setWindowOpenHandler(({ url }) => {
        if (isAllowedExternalUrl(url, service?.getStatus().domains ?? [])) void shell.openExternal(url);
        return { action: 'deny' };
      });
      const keepInApp = (e: Electron.Event, url: string) => {
        if (isSameDocument(url, indexUrl)) return;
        e.preventDefault();
        if (isAllowedExternalUrl(url, service?.getStatus().domains ?? [])) void shell.openExternal(url);
      };
      contents.on('will-navigate', keepInApp);
      contents.on('will-redirect', keepInApp);
      contents.on('will-attach-webview', (e) => e.preventDefault());
      win.once('ready-to-show', () => win?.show());
      win.on('closed', () => { win = null; });
      void win.loadFile(rendererIndex, hash ? { hash: hash.replace(/^#/, '') } : {});
      return;
    }
    if (hash) void win.loadFile(rendererIndex, { hash: hash.replace(/^#/, '') });
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  app.on('second-instance', () => showWindow());
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});
  await app.whenReady();

  // The CSP also travels as a header for anything served over http(s); file:// pages use the meta tag in index.html.
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));

  const dataDir = app.getPath('userData');
  const secrets = new SafeStorageSecretStore(new DataDir(dataDir).secrets, safeStorage);
  const svc = await startAppService({ configFile: openAppConfigFile(), dataDir, secrets, logger: log });
  service = svc;

  const isTrusted = (e: IpcMainInvokeEvent) =>
    win !== null && e.sender === win.webContents &&
    isTrustedSender(e.senderFrame ? { url: e.senderFrame.url, isMainFrame: e.senderFrame === e.sender.mainFrame } : null, indexUrl);
  registerIpcHandlers(ipcMain, svc.handlers, isTrusted, log);

  const startAtLogin = () => app.getLoginItemSettings().openAtLogin;
  const onAction = (id: TrayItemId, model: TrayModel) => {
    switch (id) {
      case 'open-dashboard': return showWindow('#/dashboard');
      case 'run-setup': return showWindow('#/setup/welcome');
      case 'renew': void Promise.resolve(svc.handlers['cert:renew']({ force: true })).catch((e: unknown) => log.error('renew from tray failed', { error: e })); return;
      case 'open-plex-url': if (model.plexUrl) void shell.openExternal(model.plexUrl); return;
      case 'start-at-login': app.setLoginItemSettings({ openAtLogin: !startAtLogin(), args: ['--hidden'] }); tray.update(svc.getStatus(), startAtLogin()); return;
      case 'quit': app.quit(); return;
      case 'status': return;
    }
  };
  const tray = new TrayController({ resourcesDir, status: svc.getStatus(), startAtLogin: startAtLogin(), onAction });

  let lastHealth: Health | undefined;
  const onStatus = (s: ReturnType<AppService['getStatus']>) => {
    tray.update(s, startAtLogin());
    const note = notificationFor(lastHealth, s.health);
    lastHealth = s.health;
    if (note && Notification.isSupported()) {
      const n = new Notification({ title: note.title, body: note.body });
      n.on('click', () => showWindow('#/dashboard'));
      n.show();
    }
    win?.webContents.send('status:changed', s);
  };
  svc.onDidChangeStatus(onStatus);
  svc.onDidAddEvent((e) => win?.webContents.send('event:added', e));
  onStatus(svc.getStatus());

  let stopping = false;
  app.on('before-quit', (e) => {
    if (stopping) return;
    stopping = true;
    e.preventDefault();
    tray.destroy();
    void svc.stop().catch((err: unknown) => log.error('service did not stop cleanly', { error: err })).finally(() => app.exit(0));
  });

  // Started at login: stay in the tray unless setup still needs the user.
  const atLogin = process.argv.includes('--hidden') || app.getLoginItemSettings().wasOpenedAtLogin;
  const wizard = await svc.handlers['wizard:get']();
  if (!wizard.finished || !atLogin) showWindow(wizard.finished ? '#/dashboard' : undefined);
}

main().catch((e: unknown) => {
  log.error('Portico could not start', { error: e });
  // Messages from the core already say what to do next.
  if (app.isReady()) dialog.showErrorBox('Portico could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
});
