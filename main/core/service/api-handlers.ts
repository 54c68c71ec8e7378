import type { Check, ConfigPatch, ConfigView, EventRecord, PinSignIn, PlexDiscovery, PorticoApiHandlers, PrefChange, WizardState } from '../../shared/api.ts';
import type { Config } from '../../shared/config.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { CertificateStatus } from '../../shared/status/certificates.ts';
import type { Finding, RouterStatus } from '../../shared/status/router.ts';
import type { ConfigUpdateError } from '../state/config-store.ts';
import { buildDiagnostics } from './diagnostics.ts';
import { checkDoor } from './door-check.ts';
import type { Logger } from '../support/logger.ts';

/*
 * The narrow views of the managers the API needs. Each real manager (PlexManager, CertManager,
 * RouterManager, …) is passed through a small adapter in the service, so this file does not
 * depend on their whole surface, and a piece that is not built or not configured is simply absent.
 */
export interface PlexApi {
  discover(): Promise<PlexDiscovery>;
  signInStart(): Promise<Result<PinSignIn>>;
  signInPoll(): Promise<Result<{ state: 'waiting' | 'signed-in' | 'expired' }>>;
  plan(opts: PlexApplyOptions): Promise<Result<PrefChange[]>>;
  apply(opts: PlexApplyOptions): Promise<Result<PrefChange[]>>;
  undo(): Promise<Result<PrefChange[]>>;
  /** Read-back checks: prefs as applied, mapping state, plex.tv lists our URL. */
  verify(): Promise<Check[]>;
}
export interface PlexApplyOptions { manualPort: boolean; customCertificate: boolean }
export interface CertsApi {
  issue(opts: { staging: boolean }): Promise<Result<CertificateStatus>>;
  renew(opts: { force: boolean }): Promise<Result<CertificateStatus>>;
}
export interface RouterApi {
  map(): Promise<Result<RouterStatus>>;
  diagnose(): Promise<Result<Finding[]>>;
}
export interface DnsApi {
  check(): Promise<Result<Check[]>>;
}

export interface ApiHandlerDeps {
  getStatus: () => AppStatus;
  configStore: {
    get(): Config;
    view(): ConfigView;
    update(patch: ConfigPatch): Promise<Result<ConfigView, ConfigUpdateError>>;
  };
  wizardStore: { get(): Promise<WizardState>; save(s: WizardState): Promise<WizardState> };
  events: { list(): EventRecord[]; add(kind: string, level: EventRecord['level'], message: string): unknown };
  plex?: PlexApi;
  certs?: CertsApi;
  router?: RouterApi;
  dns?: DnsApi;
  /** Roots the Verify step trusts besides the system's (the demo's and tests' pebble root). */
  extraTrustedCAs?: () => string[];
  versions: Record<string, string>;
  now: () => number;
  /** Secret values to mask in the diagnostics bundle besides those in the config (e.g. the UI token). */
  extraSecrets?: () => (string | null | undefined)[];
  logger: Logger;
}

const notAvailable = (what: string): AppError => ({
  code: 'not-available',
  message: `${what}: not available in this Portico service (that component is not running).`,
  fix: 'Update Portico, or check the service log for why the component did not start.',
});

/** Every channel of the PorticoApi, on top of the service's pieces. Errors come back as values. */
export function createApiHandlers(deps: ApiHandlerDeps): PorticoApiHandlers {
  const log = deps.logger.child('api');
  const record = <T>(r: Result<T, AppError>, kind: string, okMessage: (v: T) => string): Result<T, AppError> => {
    if (r.ok) deps.events.add(kind, 'info', okMessage(r.value));
    else deps.events.add(`${kind}-failed`, 'error', `${r.error.message}${r.error.fix ? ` ${r.error.fix}` : ''}`);
    return r;
  };

  return {
    'status:get': () => deps.getStatus(),
    'events:list': () => deps.events.list(),
    'config:get': () => deps.configStore.view(),
    'config:update': async (patch) => {
      const r = await deps.configStore.update(patch);
      if (r.ok) deps.events.add('config-changed', 'info', `Settings saved (${Object.keys(patch ?? {}).join(', ') || 'nothing changed'}).`);
      return r;
    },
    'wizard:get': () => deps.wizardStore.get(),
    'wizard:save': (s) => deps.wizardStore.save(s),

    'plex:discover': async () => {
      if (deps.plex) return deps.plex.discover();
      return { url: deps.configStore.get().plex.url, found: false, token: 'none', tokenValid: false, error: notAvailable('Plex support') };
    },
    'plex:signin-start': async () => (deps.plex ? deps.plex.signInStart() : err(notAvailable('Plex sign-in'))),
    'plex:signin-poll': async () => (deps.plex ? deps.plex.signInPoll() : err(notAvailable('Plex sign-in'))),
    'plex:plan': async (opts) => (deps.plex ? deps.plex.plan(opts) : err(notAvailable('Plex settings'))),
    'plex:apply': async (opts) => {
      if (!deps.plex) return err(notAvailable('Plex settings'));
      return record(await deps.plex.apply(opts), 'plex-applied', (c) => `Plex settings applied (${c.map((x) => x.label).join(', ') || 'already as wanted'}).`);
    },
    'plex:undo': async () => {
      if (!deps.plex) return err(notAvailable('Plex settings'));
      return record(await deps.plex.undo(), 'plex-restored', (c) => `Plex settings restored (${c.map((x) => x.label).join(', ') || 'nothing to restore'}).`);
    },

    'dns:check': async () => (deps.dns ? deps.dns.check() : err(notAvailable('The DNS check'))),
    'router:map': async () => {
      if (!deps.router) return err(notAvailable('Router port mapping'));
      return record(await deps.router.map(), 'router-mapped', (s) => `Router: ${s.mappings.filter((m) => m.state === 'mapped').length} port mapping(s) in place (${s.state}).`);
    },
    'router:diagnose': async () => (deps.router ? deps.router.diagnose() : err(notAvailable('The reachability diagnosis'))),
    // CertManager announces issued, renewed and failed certificates itself (the service logs its
    // events); only the dry run, which changes nothing it reports, is recorded here.
    'cert:issue': async (opts) => {
      if (!deps.certs) return err(notAvailable('Certificates'));
      const r = await deps.certs.issue(opts);
      if (r.ok && opts.staging) deps.events.add('cert-preflight-passed', 'info', `Dry run against the staging CA passed for ${r.value.domains.join(', ')}.`);
      return r;
    },
    'cert:renew': async (opts) => (deps.certs ? deps.certs.renew(opts) : err(notAvailable('Certificates'))),

    'verify:run': async () => ok(await verify(deps)),

    'diagnostics:export': async () => {
      let findings: Finding[] = deps.getStatus().router.findings;
      if (deps.router) {
        const r = await deps.router.diagnose().catch((e: unknown) => err({ code: 'diagnose-failed', message: (e as Error).message }));
        if (r.ok) findings = r.value;
      }
      const d = buildDiagnostics({
        status: deps.getStatus(), config: deps.configStore.get(), events: deps.events.list(), findings,
        versions: deps.versions, now: deps.now(), secrets: deps.extraSecrets?.() ?? [],
      });
      log.info('diagnostics bundle exported', { filename: d.filename });
      return ok(d);
    },
  };
}

/** The Verify step: an end-to-end checklist, each red item with its fix. Never throws. */
async function verify(deps: ApiHandlerDeps): Promise<Check[]> {
  const status = deps.getStatus();
  const config = deps.configStore.get();
  const checks: Check[] = [];
  const door = status.door;
  const down = door.listeners.filter((l) => !l.listening);
  checks.push({
    id: 'door-listening',
    title: 'The door is listening',
    ok: door.state === 'running' && down.length === 0,
    detail: door.state === 'running' && down.length === 0
      ? `Listening on ${door.listeners.map((l) => `${l.kind.toUpperCase()} ${l.port}`).join(', ')}.`
      : door.error?.message ?? `Not listening on ${down.map((l) => `${l.port} (${l.error ?? 'not started'})`).join(', ') || 'any port'}.`,
    ...(door.state === 'running' && down.length === 0 ? {} : { fix: door.error?.fix ?? 'Free the door ports (another program may use them) and restart Portico.' }),
  });
  const https = door.listeners.find((l) => l.kind === 'https' && l.listening);
  for (const domain of config.domains.filter((d) => !d.startsWith('*.'))) {
    if (!https) break;
    const host = config.door.bind === '0.0.0.0' || config.door.bind === '::' ? '127.0.0.1' : config.door.bind;
    checks.push(...await checkDoor({ host, port: https.port, domain, extraCAs: deps.extraTrustedCAs?.() ?? [], ...(status.plex.machineIdentifier ? { machineIdentifier: status.plex.machineIdentifier } : {}) }));
  }
  const guarded = async (id: string, title: string, fn: () => Promise<Check[]>): Promise<Check[]> => {
    try {
      return await fn();
    } catch (e) {
      return [{ id, title, ok: false, detail: `The check itself failed: ${(e as Error).message}.`, fix: 'Try again; if it repeats, export a diagnostics bundle.' }];
    }
  };
  if (deps.plex) checks.push(...await guarded('plex', 'Plex settings', () => deps.plex!.verify()));
  else checks.push({ id: 'plex', title: 'Plex settings', ok: null, detail: 'Not checked: Plex support is not running.' });
  checks.push(routerCheck(status.router));
  if (deps.dns) {
    checks.push(...await guarded('dns', 'DNS', async () => {
      const r = await deps.dns!.check();
      return r.ok ? r.value : [{ id: 'dns', title: 'DNS', ok: false, detail: r.error.message, ...(r.error.fix ? { fix: r.error.fix } : {}) }];
    }));
  }
  return checks;
}

function routerCheck(r: RouterStatus): Check {
  const base = { id: 'router', title: 'Router forwards the ports' };
  const mapped = r.mappings.filter((m) => m.state === 'mapped');
  switch (r.state) {
    case 'mapped':
      return { ...base, ok: true, detail: `Mapped ${mapped.map((m) => `${m.transport} ${m.externalPort} → ${m.internalClient}:${m.internalPort}`).join(', ')} (${mapped[0]?.protocol ?? r.mode}).` };
    case 'off':
      return { ...base, ok: null, detail: 'Not checked: router handling is off (you forward the ports yourself).' };
    case 'manual':
      return { ...base, ok: null, detail: 'Not checked: you forward the ports by hand (see the Router step for the rows).' };
    case 'discovering':
      return { ...base, ok: null, detail: 'Still looking for the router; run Verify again in a moment.' };
    case 'partial':
    case 'error': {
      const failed = r.mappings.filter((m) => m.state !== 'mapped');
      return {
        ...base, ok: false,
        detail: r.error ?? `Not mapped: ${failed.map((m) => `${m.externalPort} (${m.error ?? m.state})`).join(', ') || 'no mapping could be made'}.`,
        fix: r.findings.find((f) => f.fix)?.fix ?? 'Enable UPnP or NAT-PMP on the router, or forward the ports by hand as the Router step shows.',
      };
    }
  }
}
