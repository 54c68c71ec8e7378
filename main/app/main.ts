/**
 * Electron main process: glue only. Single instance, tray, one window, IPC to the service.
 * Everything worth testing lives in main/core, main/shared and the pure helpers beside this file.
 */
import { app, BrowserWindow, dialog, ipcMain, Notification, safeStorage, screen, session, shell, type IpcMainInvokeEvent } from 'electron';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import electronUpdater from 'electron-updater';
import { pathToFileURL } from 'node:url';
import type { Health } from '../shared/status.ts';
import { notificationFor, type TrayItemId, type TrayModel } from '../shared/tray-model.ts';
import { consoleSink, createLogger } from '../core/support/logger.ts';
import { openAppConfigFile } from './app-config.ts';
import { appPaths } from './app-paths.ts';
import { DEFAULT_WINDOW_SIZE, readWindowSize, writeWindowSize } from './window-state.ts';
import { defaultDataDir } from '../core/support/paths.ts';
import { AT_LOGIN_ARG, loginItem } from './login-item.ts';
import { installDecision, UPDATE_CHECK_INTERVAL_MS, type UpdateState } from './update-policy.ts';
import { SMOKE_TEST_ARG, smokeVerdict, type SmokeFacts } from './smoke-test.ts';
import { CONFIG_SCHEMA_VERSION } from '../shared/config.ts';
import { DataDir } from '../core/support/data-dir.ts';
import { startAppService } from './start-app-service.ts';
import type { AppService } from './app-service.ts';
import { registerIpcHandlers } from './ipc-handlers.ts';
import { SafeStorageSecretStore } from './safe-storage-secret-store.ts';
import { TrayController } from './tray.ts';
import { RENDERER_CSP } from '../shared/renderer-csp.ts';
import { isAllowedExternalUrl, isSameDocument, isTrustedSender, windowOptions } from './window-options.ts';

const log = createLogger({ sink: consoleSink, scope: 'app' });

const smoke = process.argv.includes(SMOKE_TEST_ARG);
/** Set once the service runs; quitting (from the tray or the smoke test) stops the door through it. */
let stopService = async (): Promise<void> => {};
const smokeFacts: SmokeFacts = { trayCreated: false, window: 'none', rendererStatus: null, serviceStatus: null, startupError: null, elapsedMs: 0 };

/**
 * Smoke mode runs beside a real Portico: its own throwaway user-data folder (and so its own
 * single-instance lock) and a door on a free loopback port with no router or HTTP door.
 */
function prepareSmokeTest(): void {
  const dir = mkdtempSync(join(tmpdir(), 'portico-smoke-'));
  app.setPath('userData', dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ schemaVersion: CONFIG_SCHEMA_VERSION, door: { bind: '127.0.0.1', httpsPorts: [0], httpPort: null }, router: { mode: 'off' } }));
  const started = Date.now();
  const timer = setInterval(() => {
    smokeFacts.elapsedMs = Date.now() - started;
    const v = smokeVerdict(smokeFacts);
    if (v.kind === 'waiting') return;
    clearInterval(timer);
    (v.exitCode === 0 ? console.log : console.error)(`smoke test: ${v.exitCode === 0 ? 'passed' : 'FAILED'}: ${v.reason}`);
    void stopService().catch((e: unknown) => log.error('service did not stop cleanly', { error: e })).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      app.exit(v.exitCode);
    });
  }, 250);
}

async function main(): Promise<void> {
  // The same folder `portico serve` uses by default (one layout; docs/install.md).
  if (!smoke) app.setPath('userData', defaultDataDir());
  // A small V8 young generation halves memory under many short-lived objects (docs/bench.md). Set
  // here it reaches the renderer only; the main process (the door) takes V8 flags only from its own
  // startup command line (Electron's --js-flags docs; what would fix it: docs/app.md, Memory).
  app.commandLine.appendSwitch('js-flags', '--max-semi-space-size=2 --heap-growing-percent=50 --expose-gc');
  if (smoke) prepareSmokeTest();
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  const { rendererIndex, preload, resourcesDir, windowIcon } = appPaths(import.meta.dirname);
  const indexUrl = pathToFileURL(rendererIndex).href;

  let win: BrowserWindow | null = null;
  const windowStateFile = join(app.getPath('userData'), 'window-state.json');
  let windowSize = DEFAULT_WINDOW_SIZE;
  let service: AppService | null = null;

  const showWindow = (hash?: string) => {
    if (!win) {
      win = new BrowserWindow(windowOptions(preload, windowIcon, windowSize));
      // The size before maximizing, so the next start opens at the size the user chose.
      win.on('close', () => {
        if (!win) return;
        const { width, height } = win.getNormalBounds();
        windowSize = { width, height };
        void writeWindowSize(windowStateFile, windowSize).catch((e: unknown) => log.warn('could not save the window size', { error: e }));
      });
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
      if (!smoke) win.once('ready-to-show', () => win?.show());
      else win.on('show', () => { smokeFacts.window = 'visible'; });
      if (smoke && smokeFacts.window === 'none') smokeFacts.window = 'hidden';
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
  windowSize = await readWindowSize(windowStateFile, screen.getPrimaryDisplay().workAreaSize);

  // The CSP also travels as a header for anything served over http(s); file:// pages use the meta tag in index.html.
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));

  const dataDir = app.getPath('userData');
  const secrets = new SafeStorageSecretStore(new DataDir(dataDir).secrets, safeStorage);
  const svc = await startAppService({ configFile: openAppConfigFile(), dataDir, secrets, logger: log });
  service = svc;
  stopService = () => svc.stop();

  const isTrusted = (e: IpcMainInvokeEvent) =>
    win !== null && e.sender === win.webContents &&
    isTrustedSender(e.senderFrame ? { url: e.senderFrame.url, isMainFrame: e.senderFrame === e.sender.mainFrame } : null, indexUrl);
  // Smoke mode notes the status the renderer asked for; the handlers are otherwise untouched.
  const handlers: typeof svc.handlers = !smoke ? svc.handlers : {
    ...svc.handlers,
    'status:get': () => {
      const st = svc.getStatus();
      smokeFacts.rendererStatus = st;
      return st;
    },
  };
  registerIpcHandlers(ipcMain, handlers, isTrusted, log);

  const login = loginItem(process.platform, app, process.env, process.execPath);
  // Read once, then after each toggle: status changes often, the setting only from this menu (or the OS's panel).
  let startsAtLogin = login.isEnabled();
  const onAction = (id: TrayItemId, model: TrayModel) => {
    switch (id) {
      case 'open-dashboard': return showWindow('#/dashboard');
      case 'run-setup': return showWindow('#/setup/welcome');
      case 'renew': void Promise.resolve(svc.handlers['cert:renew']({ force: true })).catch((e: unknown) => log.error('renew from tray failed', { error: e })); return;
      case 'open-plex-url': if (model.plexUrl) void shell.openExternal(model.plexUrl); return;
      case 'start-at-login': login.setEnabled(!startsAtLogin); startsAtLogin = login.isEnabled(); tray.update(svc.getStatus(), startsAtLogin, update); return;
      case 'quit': app.quit(); return;
      case 'status': return;
    }
  };
  let update: UpdateState = { kind: 'none' };
  let installAsked = false;
  let waitShown = '';
  const tryInstall = () => {
    const d = installDecision(update, svc.getStatus(), installAsked);
    if (d.kind === 'install-now') {
      log.info('restarting into the update', { version: d.version });
      // Quitting runs before-quit, which stops the door cleanly first.
      electronUpdater.autoUpdater.quitAndInstall();
    } else if (d.kind === 'wait' && d.reason !== waitShown) {
      waitShown = d.reason;
      log.info('update waits for a certificate order', { reason: d.reason });
      if (Notification.isSupported()) new Notification({ title: 'Update waits for the certificate', body: d.reason }).show();
    }
  };
  const tray = new TrayController({ resourcesDir, status: svc.getStatus(), startAtLogin: startsAtLogin, onAction, onInstallUpdate: () => { installAsked = true; tryInstall(); } });
  smokeFacts.trayCreated = true;

  let lastHealth: Health | undefined;
  const onStatus = (s: ReturnType<AppService['getStatus']>) => {
    if (smoke) smokeFacts.serviceStatus = s;
    tray.update(s, startsAtLogin, update);
    if (installAsked) tryInstall();
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

  // Only a packaged app has an update feed (app-update.yml); smoke runs never update.
  if (app.isPackaged && !smoke) {
    const updater = electronUpdater.autoUpdater;
    updater.logger = { info: (m: unknown) => log.info(String(m)), warn: (m: unknown) => log.warn(String(m)), error: (m: unknown) => log.error(String(m)) };
    updater.autoDownload = true;
    updater.autoInstallOnAppQuit = true;
    updater.allowPrerelease = false;
    updater.on('update-available', (info) => { update = { kind: 'downloading', version: info.version }; });
    updater.on('update-downloaded', (info) => {
      update = { kind: 'ready', version: info.version };
      tray.update(svc.getStatus(), startsAtLogin, update);
    });
    updater.on('error', (e) => {
      if (update.kind !== 'ready') update = { kind: 'failed', message: e.message };
      log.warn('update check failed; trying again later', { error: e });
    });
    const check = () => { updater.checkForUpdates().catch(() => { /* reported by the 'error' event */ }); };
    check();
    setInterval(check, UPDATE_CHECK_INTERVAL_MS);
  }

  let stopping = false;
  app.on('before-quit', (e) => {
    if (stopping) return;
    stopping = true;
    e.preventDefault();
    tray.destroy();
    void stopService().catch((err: unknown) => log.error('service did not stop cleanly', { error: err })).finally(() => app.exit(0));
  });

  // Started at login: stay in the tray unless setup still needs the user.
  const atLogin = process.argv.includes(AT_LOGIN_ARG) || app.getLoginItemSettings().wasOpenedAtLogin;
  const wizard = await svc.handlers['wizard:get']();
  if (smoke || !wizard.finished || !atLogin) showWindow(wizard.finished ? '#/dashboard' : undefined);
}

main().catch((e: unknown) => {
  log.error('Portico could not start', { error: e });
  if (smoke) {
    smokeFacts.startupError = e instanceof Error ? e.message : String(e);
    return;
  }
  // Messages from the core already say what to do next.
  if (app.isReady()) dialog.showErrorBox('Portico could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
});
