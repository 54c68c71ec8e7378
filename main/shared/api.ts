/**
 * The one contract between the UI and the service. The Electron preload exposes it over IPC
 * (`ipcRenderer.invoke(channel, ...args)`), headless mode over HTTP (`POST /api/<channel>` with a
 * JSON body `{"args": [...]}`); both return the same `Result` values. Channels are 'noun:verb'.
 * Adding a channel here is the only way to add one: the preload, the IPC handlers, the HTTP
 * router and the renderer's client are all derived from this map (docs/architecture.md,
 * "Adding an API channel").
 */
import type { AppStatus } from './status.ts';
import type { Result, AppError } from './result.ts';
import type { CertificateStatus } from './status/certificates.ts';
import type { Finding, RouterStatus } from './status/router.ts';
import type { Check } from './checks.ts';
import type { ChallengeType, ConfigProblem, DnsProviderConfig, RouteConfig, RouterMode } from './config.ts';

export type WizardStep = 'welcome' | 'plex' | 'domain' | 'router' | 'certificate' | 'plex-settings' | 'verify';
export const WIZARD_STEPS: readonly WizardStep[] = ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings', 'verify'];

/** What the wizard remembers between visits, so leaving halfway loses nothing. */
export interface WizardState {
  step: WizardStep;
  completed: WizardStep[];
  finished: boolean;
}

export type { Check } from './checks.ts';

/** One PMS preference Portico would change (or changed), shown before/after in the wizard. */
export interface PrefChange {
  id: string;
  label: string;
  before: string;
  after: string;
}

export interface PlexDiscovery {
  url: string;
  found: boolean;
  machineIdentifier?: string;
  version?: string;
  /** Where the token came from, never the token itself. */
  token: 'config' | 'local-store' | 'signed-in' | 'none';
  /** The token works and belongs to the server's owner. */
  tokenValid: boolean;
  error?: AppError;
}

export interface PinSignIn {
  authUrl: string;
  code: string;
  expiresAt: string;
}

/** The editable part of the config as the UI sees it. Secrets are never sent to the UI: only whether they are set. */
export interface ConfigView {
  domains: string[];
  door: { httpsPorts: number[]; httpPort: number | null; publicHttpsPort: number; hsts: boolean };
  /** eab: only the key id; whether its HMAC key is stored is `eabConfigured`. */
  acme: { directoryUrl: string; email: string | null; challenge: 'auto' | ChallengeType; staging: boolean; eabKid: string | null; eabConfigured: boolean };
  dns: { provider: DnsProviderConfig['kind'] | null; providerConfigured: boolean; ddns: boolean };
  router: { mode: RouterMode; mapPlexPort: boolean };
  plex: { url: string };
  routes: RouteConfig[];
  /** How the public address is found: lookup false asks only the router; services are the hosts the config names (none: the built-in lists). */
  publicIp: { lookup: boolean; services: string[] };
  /** Alert channels by host only: their URLs and token are secrets, kept in the secret store. */
  alerts: { webhook: { host: string } | null; ntfy: { host: string; token: boolean } | null };
  /** This machine's LAN address, for the manual router rows. */
  lanAddress: string | null;
}

export interface ConfigPatch {
  domains?: string[];
  /**
   * eab: the key id with its HMAC key (stored in the secret store, never echoed back); an empty
   * hmacKey keeps the stored one, null removes the binding.
   */
  acme?: { email?: string | null; challenge?: 'auto' | ChallengeType; directoryUrl?: string; eab?: { kid: string; hmacKey: string } | null };
  /** A provider with its secret fields; stored in the secret store, never echoed back. */
  dns?: { provider?: DnsProviderConfig | null; ddns?: boolean };
  router?: { mode?: RouterMode; mapPlexPort?: boolean };
  door?: { publicHttpsPort?: number; httpsPorts?: number[]; hsts?: boolean };
  plex?: { url?: string };
  /** The whole list of extra routes (each host gets its own certificate). */
  routes?: RouteConfig[];
  /**
   * lookup false: ask no outside service for the public address, only the router. The services
   * the config names go with it (they would contradict it); true keeps them, or the built-in lists.
   */
  publicIp?: { lookup?: boolean };
  /**
   * Alert channels; null turns one off. A URL or token left out (or empty) keeps the stored one
   * (the UI never has it to resend); `token: null` removes the ntfy token.
   */
  alerts?: { webhook?: string | null; ntfy?: { url?: string; token?: string | null } | null };
}

/** How one alert channel took a test alert, in words for the dashboard (never the secret URL). */
export interface AlertTestResult {
  channel: 'webhook' | 'ntfy';
  ok: boolean;
  message: string;
  fix?: string;
}

/** The dashboard on the local network (headless only), as the Settings show it; never the password or its hash. */
export interface LanAccessView {
  /** Turned on in the settings (`ui.lan.enabled`). */
  enabled: boolean;
  /** A password is set; when (ISO). */
  passwordSet: boolean;
  passwordSetAt: string | null;
  /** The addresses to open from another device, e.g. "http://192.168.1.20:8766/"; empty while not listening. */
  urls: string[];
  /** Why it is on but not reachable (no password, no network address, port in use), in plain words. */
  problem: string | null;
}

/** A change to the dashboard on the local network: turn it on or off, or set a new password (signs every device out). */
export interface LanAccessChange {
  enabled?: boolean;
  password?: string;
}

export interface EventRecord {
  time: string;
  kind: string;
  level: 'info' | 'warning' | 'error';
  message: string;
}

export interface Diagnostics {
  filename: string;
  /** JSON text, secrets redacted. */
  content: string;
}

export interface PorticoApi {
  'status:get': () => AppStatus;
  'events:list': () => EventRecord[];
  'config:get': () => ConfigView;
  'config:update': (patch: ConfigPatch) => Result<ConfigView, AppError & { problems?: ConfigProblem[] }>;
  'wizard:get': () => WizardState;
  'wizard:save': (state: WizardState) => WizardState;
  'plex:discover': () => PlexDiscovery;
  'plex:signin-start': () => Result<PinSignIn>;
  'plex:signin-poll': () => Result<{ state: 'waiting' | 'signed-in' | 'expired' }>;
  'plex:plan': (opts: { manualPort: boolean; customCertificate: boolean }) => Result<PrefChange[]>;
  'plex:apply': (opts: { manualPort: boolean; customCertificate: boolean }) => Result<PrefChange[]>;
  'plex:undo': () => Result<PrefChange[]>;
  'dns:check': () => Result<Check[]>;
  'router:map': () => Result<RouterStatus>;
  'router:diagnose': () => Result<Finding[]>;
  'cert:issue': (opts: { staging: boolean }) => Result<CertificateStatus>;
  'cert:renew': (opts: { force: boolean }) => Result<CertificateStatus>;
  'verify:run': () => Result<Check[]>;
  'diagnostics:export': () => Result<Diagnostics>;
  /** "Send a test alert" to every configured channel; an error when none is set up. */
  'alerts:test': () => Result<AlertTestResult[]>;
  /** A new dashboard link (headless only): every link given out before stops working. */
  'ui:rotate-link': () => Result<{ url: string }>;
  /** The dashboard on the local network (headless only). */
  'ui:lan-get': () => Result<LanAccessView>;
  /** Turn it on (refused without a password) or off, or set its password. */
  'ui:lan-update': (change: LanAccessChange) => Result<LanAccessView>;
}

export type Channel = keyof PorticoApi;
export type ArgsOf<C extends Channel> = Parameters<PorticoApi[C]>;
export type ReturnOf<C extends Channel> = ReturnType<PorticoApi[C]>;

/** The service side: every channel implemented, possibly async. */
export type PorticoApiHandlers = { [C in Channel]: (...args: ArgsOf<C>) => ReturnOf<C> | Promise<ReturnOf<C>> };
/** The UI side: every channel as an async call. */
export type PorticoApiClient = { [C in Channel]: (...args: ArgsOf<C>) => Promise<ReturnOf<C>> };

/** Push events from service to UI: IPC `webContents.send`, headless Server-Sent Events on GET /api/events. */
export interface PorticoEvents {
  'status:changed': AppStatus;
  'event:added': EventRecord;
}

/** Every channel once: a channel missing here (or one not in the contract) fails to compile. */
const CHANNEL_KEYS: Record<Channel, true> = {
  'status:get': true, 'events:list': true, 'config:get': true, 'config:update': true, 'wizard:get': true, 'wizard:save': true,
  'plex:discover': true, 'plex:signin-start': true, 'plex:signin-poll': true, 'plex:plan': true, 'plex:apply': true, 'plex:undo': true,
  'dns:check': true, 'router:map': true, 'router:diagnose': true, 'cert:issue': true, 'cert:renew': true, 'verify:run': true, 'diagnostics:export': true,
  'alerts:test': true, 'ui:rotate-link': true, 'ui:lan-get': true, 'ui:lan-update': true,
};
export const CHANNELS: readonly Channel[] = Object.keys(CHANNEL_KEYS) as Channel[];
