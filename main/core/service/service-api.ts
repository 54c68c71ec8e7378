import type { ApiHandlerDeps } from './api-handlers.ts';
import { certsApi, dnsApi, pkcs12ForPlex, plexApi, routerApi, type CertManagerLike, type PlexManagerLike, type RouterManagerLike } from './api-adapters.ts';
import type { LoadedConfigValue } from '../state/config-store.ts';
import type { CertManager } from '../certs/cert-manager.ts';
import type { PlexManager } from '../plex/plex-manager.ts';
import type { RouterManager } from '../network/router-manager.ts';
import type { AppStatus } from '../../shared/status.ts';
import { err, type AppError } from '../../shared/result.ts';

/** The service's current managers: config changes replace them, so the API asks for them on every call. */
export interface ServiceParts {
  config(): LoadedConfigValue;
  /** null while setup is pending (no domain chosen yet). */
  certs(): CertManager | null;
  plex(): PlexManager;
  router(): RouterManager;
  /** Start renewals and router leases (a real certificate now exists). */
  startBackground(): Promise<void>;
  /** Recompute the status and tell listeners if it changed. */
  changed(): void;
  onDnsRecords(records: AppStatus['dns']['records']): void;
}

export type ServiceApi = Required<Pick<ApiHandlerDeps, 'plex' | 'certs' | 'router' | 'dns'>>;

const setupPending = (what: string): AppError => ({
  code: 'setup-pending',
  message: `${what}: no domain is chosen yet.`,
  fix: 'Choose your domain in the Domain step of the setup first.',
});

/**
 * The API's views of the service's managers (api-adapters.ts), built once: every call reaches the
 * manager that is current at that moment, and every action is followed by a status update.
 */
export function serviceApi(p: ServiceParts): ServiceApi {
  const plexNow: PlexManagerLike = {
    discover: () => p.plex().discover(), startPinSignIn: () => p.plex().startPinSignIn(), pollPinSignIn: () => p.plex().pollPinSignIn(),
    plan: (x) => p.plex().plan(x), apply: (x) => p.plex().apply(x), undo: () => p.plex().undo(), verify: () => p.plex().verify(),
  };
  const certsNow: CertManagerLike = {
    renewNow: async (x) => p.certs()?.renewNow(x) ?? err(setupPending('Certificates')),
    exportPkcs12: async () => {
      const c = p.certs();
      if (!c) throw new Error(setupPending('The certificate for Plex').message);
      return c.exportPkcs12();
    },
  };
  const routerNow: RouterManagerLike = { start: () => p.router().start(), getStatus: () => p.router().getStatus() };
  const reach = { config: () => p.config() };
  const router = routerApi(routerNow, reach);
  return {
    plex: withStatus(p, plexApi(plexNow, pkcs12ForPlex(certsNow, () => p.config().domains[0] ?? ''))),
    certs: withStatus(p, certsApi(certsNow, () => p.startBackground())),
    router: withStatus(p, {
      map: () => router.map(),
      diagnose: async () => (p.config().domains.length ? router.diagnose() : err(setupPending('The reachability diagnosis'))),
    }),
    dns: dnsApi({ ...reach, router: routerNow, onRecords: (r) => p.onDnsRecords(r) }),
  };
}

/** Each method of `api`, followed by a status update whatever its outcome. */
function withStatus<T extends object>(p: ServiceParts, api: T): T {
  return Object.fromEntries(Object.entries(api).map(([k, f]) => [k, async (...a: unknown[]) => {
    try {
      return await (f as (...x: unknown[]) => Promise<unknown>)(...a);
    } finally {
      p.changed();
    }
  }])) as T;
}
