/**
 * Every channel of the contract (main/shared/api.ts), each a few lines over the manager that does
 * the work: contract -> handler -> manager, nothing in between. The handlers take narrow views of
 * the managers (only the methods they call), asked for on every call because a config change
 * replaces them. After every call the status is recomputed once, here, for all channels.
 * Managers' Results pass through untouched; see main/shared/result.ts for the error convention.
 */
import type { Check, PorticoApiHandlers, PrefChange } from '../../shared/api.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { RouterStatus } from '../../shared/status/router.ts';
import type { ConfigStore } from '../state/config-store.ts';
import type { WizardStore } from '../state/wizard-store.ts';
import type { EventLog } from '../state/event-log.ts';
import type { CertManager } from '../certs/cert-manager.ts';
import type { PlexManager } from '../plex/plex-manager.ts';
import type { RouterManager } from '../network/router-manager.ts';
import type { Reachability } from '../network/reachability.ts';
import type { AlertSender } from '../alerts/alert-sender.ts';
import { buildDiagnostics } from './diagnostics.ts';
import type { Logger } from '../support/logger.ts';

export type PlexView = Pick<PlexManager, 'discover' | 'startPinSignIn' | 'pollPinSignIn' | 'plan' | 'apply' | 'undo' | 'verify'>;
export type CertsView = Pick<CertManager, 'renewNow'>;
export type RouterView = Pick<RouterManager, 'start'>;
export type ReachabilityView = Pick<Reachability, 'checkDns' | 'diagnose'>;
export type AlertsView = Pick<AlertSender, 'configured' | 'test'>;

export interface ApiHandlerDeps {
  getStatus: () => AppStatus;
  /** Resolves once the service has rebuilt what the last config change affects. */
  configApplied: () => Promise<void>;
  /** Recompute the status and tell listeners if it changed: called once after every channel. */
  changed: () => void;
  configStore: Pick<ConfigStore, 'get' | 'view' | 'update'>;
  wizardStore: Pick<WizardStore, 'get' | 'save'>;
  events: Pick<EventLog, 'list' | 'add'>;
  plex: () => PlexView;
  /** null while setup is pending (no domain chosen yet): there is nothing to certify. */
  certs: () => CertsView | null;
  router: () => RouterView;
  reachability: () => ReachabilityView;
  /** Setup produced something to keep (a real certificate, a finished wizard): start renewals and router leases. */
  startBackground: () => Promise<void>;
  /** Run every check now (the user asked) and return them all: the same checks the health verdict is over. */
  verify: () => Promise<Check[]>;
  /** The alert channels (webhook, ntfy) of the config. */
  alerts: () => AlertsView;
  versions: Record<string, string>;
  now: () => number;
  /** Secret values to mask in the diagnostics bundle besides those in the config (e.g. the UI token). */
  extraSecrets: () => (string | null | undefined)[];
  logger: Logger;
}

/** Setup pending (no domain yet) is a state of its own, with its own fix: never reported as a missing certificate. */
export const setupPending = (what: string): AppError => ({
  code: 'setup-pending',
  message: `${what}: no domain is chosen yet.`,
  fix: 'Choose your domain in the Domain step of the setup first.',
});

/** Every channel of the PorticoApi. Errors come back as values; the status is updated after each call. */
export function createApiHandlers(deps: ApiHandlerDeps): PorticoApiHandlers {
  const log = deps.logger.child('api');
  const record = <T>(r: Result<T, AppError>, kind: string, okMessage: (v: T) => string): Result<T, AppError> => {
    if (r.ok) deps.events.add(kind, 'info', okMessage(r.value));
    else deps.events.add(`${kind}-failed`, 'error', `${r.error.message}${r.error.fix ? ` ${r.error.fix}` : ''}`);
    return r;
  };
  const hasDomain = () => deps.configStore.get().domains.length > 0;
  /** PMS's custom-certificate prefs need our certificate, which needs a domain. */
  const plexPrefs = async (opts: { customCertificate: boolean }, run: () => Promise<Result<PrefChange[]>>): Promise<Result<PrefChange[]>> =>
    opts.customCertificate && !hasDomain() ? err(setupPending('The certificate for Plex')) : run();
  /** A real certificate now exists: the renewal loop takes over from here. */
  const issued = async <T>(r: Result<T>): Promise<Result<T>> => {
    if (r.ok) await deps.startBackground();
    return r;
  };

  const handlers: PorticoApiHandlers = {
    'status:get': () => deps.getStatus(),
    'events:list': () => deps.events.list(),
    'config:get': () => deps.configStore.view(),
    'config:update': async (patch) => {
      const r = await deps.configStore.update(patch);
      // The caller's next call (the DNS check of a new domain) must meet the managers built for it.
      if (r.ok) await deps.configApplied();
      if (r.ok) deps.events.add('config-changed', 'info', `Settings saved (${Object.keys(patch ?? {}).join(', ') || 'nothing changed'}).`);
      return r;
    },
    'wizard:get': () => deps.wizardStore.get(),
    'wizard:save': async (s) => {
      const saved = await deps.wizardStore.save(s);
      if (saved.finished) await deps.startBackground();
      return saved;
    },

    'plex:discover': () => deps.plex().discover(),
    'plex:signin-start': () => deps.plex().startPinSignIn(),
    'plex:signin-poll': () => deps.plex().pollPinSignIn(),
    'plex:plan': (opts) => plexPrefs(opts, () => deps.plex().plan(opts)),
    'plex:apply': async (opts) => record(await plexPrefs(opts, () => deps.plex().apply(opts)), 'plex-applied', (c) => `Plex settings applied (${c.map((x) => x.label).join(', ') || 'already as wanted'}).`),
    'plex:undo': async () => record(await deps.plex().undo(), 'plex-restored', (c) => `Plex settings restored (${c.map((x) => x.label).join(', ') || 'nothing to restore'}).`),

    'dns:check': async () => ok(await deps.reachability().checkDns()),
    'router:map': async () => record(mapped(await deps.router().start()), 'router-mapped', (s) => `Router: ${s.mappings.filter((m) => m.state === 'mapped').length} port mapping(s) in place (${s.state}).`),
    'router:diagnose': async () => (hasDomain() ? ok((await deps.reachability().diagnose()).findings) : err(setupPending('The reachability diagnosis'))),
    // CertManager announces issued, renewed and failed certificates itself (the service logs its
    // events); only the dry run, which changes nothing it reports, is recorded here.
    'cert:issue': async ({ staging }) => {
      const certs = deps.certs();
      if (!certs) return err(setupPending('Certificates'));
      if (!staging) return issued(await certs.renewNow({}));
      const r = await certs.renewNow({ staging: true });
      if (r.ok) deps.events.add('cert-preflight-passed', 'info', `Dry run against the staging CA passed for ${r.value.domains.join(', ')}.`);
      return r;
    },
    'cert:renew': async ({ force }) => {
      const certs = deps.certs();
      return certs ? issued(await certs.renewNow({ force })) : err(setupPending('Certificates'));
    },

    'verify:run': async () => ok(await deps.verify()),

    'diagnostics:export': async () => {
      // The bundle is wanted most when things are broken: a diagnosis that fails leaves the last findings.
      const findings = hasDomain()
        ? await deps.reachability().diagnose().then((d) => d.findings, () => deps.getStatus().router.findings)
        : deps.getStatus().router.findings;
      const d = buildDiagnostics({
        status: deps.getStatus(), config: deps.configStore.get(), events: deps.events.list(), findings,
        versions: deps.versions, now: deps.now(), secrets: deps.extraSecrets(),
      });
      log.info('diagnostics bundle exported', { filename: d.filename });
      return ok(d);
    },

    // Each channel's outcome is also an event (the sender reports it), so the dashboard's list shows it.
    'alerts:test': async () => {
      const alerts = deps.alerts();
      if (alerts.configured().length === 0) {
        return err({ code: 'no-alert-channels', message: 'No alert channel is set up, so there is nowhere to send a test alert.', fix: 'Enter a webhook URL or an ntfy topic URL, save, then send a test alert.' });
      }
      const results = await alerts.test();
      return ok(results.map(({ channel, result }) => (result.ok
        ? { channel, ok: true, message: `The ${CHANNEL_WORD[channel]} took the test alert.` }
        : { channel, ok: false, message: result.error.message, ...(result.error.fix ? { fix: result.error.fix } : {}) })));
    },

    // The headless dashboard (HeadlessUi) answers this itself: only it has a link to rotate.
    'ui:rotate-link': () => err({
      code: 'no-link',
      message: 'This window has no dashboard link to rotate: the desktop app opens its dashboard without one.',
      fix: 'Rotate the link of a headless service with `portico ui-link --rotate`.',
    }),
    // Likewise the dashboard on the local network: only `portico serve` has one.
    'ui:lan-get': () => err(NO_LAN),
    'ui:lan-update': () => err(NO_LAN),
  };
  return afterEachCall(handlers, deps.changed);
}

const NO_LAN: AppError = {
  code: 'no-lan-dashboard',
  message: 'The desktop app has no dashboard on the local network; only Portico running headless (portico serve) offers one.',
  fix: 'Use the desktop app on this computer, or run Portico headless to reach its dashboard from other devices.',
};

const CHANNEL_WORD = { webhook: 'webhook', ntfy: 'ntfy topic' } as const;

/** `fn` after every handler, whatever its outcome: the one place where a call updates the status. */
function afterEachCall(handlers: PorticoApiHandlers, fn: () => void): PorticoApiHandlers {
  const wrapped: Record<string, (...a: unknown[]) => Promise<unknown>> = {};
  for (const [channel, h] of Object.entries(handlers) as [string, (...a: unknown[]) => unknown][]) {
    wrapped[channel] = async (...a) => {
      try {
        return await h(...a);
      } finally {
        fn();
      }
    };
  }
  return wrapped as PorticoApiHandlers;
}

/** A router that took no mapping is an error with its fix; anything mapped is a value. */
function mapped(s: RouterStatus): Result<RouterStatus> {
  const some = s.mappings.some((x) => x.state === 'mapped');
  if (s.state === 'error' || (s.error && !some)) {
    return err({
      code: 'router-map-failed',
      message: `Portico could not open the ports on your router: ${(s.error ?? 'no mapping was accepted').replace(/\.$/, '')}.`,
      fix: 'Turn on UPnP (or NAT-PMP/PCP) in the router\'s settings and try again, or forward the ports by hand with the numbers shown.',
    });
  }
  return ok(s);
}
