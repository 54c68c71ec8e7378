/**
 * The probes behind the verdict, over the service's current pieces: what a browser at
 * https://<domain> sees through the door (certificate, PMS behind it), Plex's settings and what
 * plex.tv tells apps, the domain's DNS, and the CA's view from outside. CheckRunner runs them;
 * each result names the area it counts for (shared/checks.ts).
 */
import type { Check, CheckArea } from '../../shared/checks.ts';
import type { AppStatus } from '../../shared/status.ts';
import type { LoadedConfigValue } from '../state/config-store.ts';
import type { OutsideCheck } from '../certs/outside-check.ts';
import type { Reachability } from '../network/reachability.ts';
import type { PlexManager } from '../plex/plex-manager.ts';
import type { Probe } from './check-runner.ts';
import { checkDoor, doorHost } from './door-check.ts';

export interface ProbeDeps {
  config: () => LoadedConfigValue;
  status: () => AppStatus;
  plex: () => Pick<PlexManager, 'verify'>;
  reachability: () => Pick<Reachability, 'checkDns'>;
  outside: () => Pick<OutsideCheck, 'run' | 'checks' | 'domain'> | null;
  extraTrustedCAs: () => string[];
  /** Renewals (and first orders) run on their own: setup produced something to keep. */
  renewalsRunning: () => boolean;
}

/** Which area a result of PlexManager.verify counts for. */
const PLEX_AREAS: Record<string, CheckArea> = { 'plex-server': 'pms', 'plex-prefs': 'plex', 'plex-mapping': 'plex-published', 'plex-tv-resources': 'plex-published' };
const inArea = (area: CheckArea) => (c: Check): Check => ({ ...c, area: c.area ?? area });

/** The probes that apply to the config as it is now (none before a domain is chosen). */
export function serviceProbes(d: ProbeDeps): Probe[] {
  const c = d.config();
  const names = c.domains.filter((x) => !x.startsWith('*.'));
  if (c.domains.length === 0) return [];
  const probes: Probe[] = [{
    name: 'door', area: 'certificate', title: 'A browser trusts the certificate the door serves',
    run: async () => {
      const https = d.status().door.listeners.find((l) => l.kind === 'https' && l.listening);
      if (!https) return [{ id: 'door-certificate', title: 'A browser trusts the certificate the door serves', ok: null, notApplicable: true, detail: 'The door is not listening for HTTPS (see the door check).' }];
      const host = doorHost(c.door.bind);
      const machineIdentifier = d.status().plex.machineIdentifier;
      const out: Check[] = [];
      for (const domain of names) {
        const [cert, plex] = await checkDoor({ host, port: https.port, domain, extraCAs: d.extraTrustedCAs(), ...(machineIdentifier ? { machineIdentifier } : {}) });
        out.push({ ...cert!, area: 'certificate' }, { ...plex!, area: 'pms' });
      }
      return out;
    },
  }, {
    name: 'plex', area: 'plex', title: 'Plex Media Server has your address, and plex.tv publishes it',
    // The door probe already proves a request reaches PMS through the door, so PlexManager's
    // unprobed "door reaches PMS" item is left out rather than shown grey.
    run: async () => (await d.plex().verify()).filter((x) => x.id !== 'door-reaches-pms').map((x) => ({ ...x, area: PLEX_AREAS[x.id] ?? 'plex' })),
  }, {
    name: 'dns', area: 'dns', title: 'Your domain points to this network',
    run: async () => (await d.reachability().checkDns()).map(inArea('dns')),
  }];
  const outside = d.outside();
  if (outside) {
    probes.push({
      name: 'outside', area: 'outside', title: 'Reachable from the internet',
      run: async ({ force }) => {
        // The door answers one tls-alpn-01 challenge per name: asking the CA while it validates an
        // order for the same name would spoil both. A finished order re-runs the checks (service.ts).
        // With renewals running, a name without a certificate yet has its first order due at once.
        const ordering = d.status().certificates.find((x) => x.domains.includes(outside.domain)
          && (x.state === 'renewing' || (d.renewalsRunning() && (x.state === 'none' || x.state === 'placeholder'))));
        if (ordering) {
          const [known] = outside.checks();
          if (known?.at) return [known];
          return [{ id: 'outside', title: 'Reachable from the internet', ok: null, detail: `Not checked yet: a certificate for ${outside.domain} is being ordered and the CA is looking at the door for it; this check runs once that is done.` }];
        }
        return outside.run({ force });
      },
    });
  }
  return probes;
}
