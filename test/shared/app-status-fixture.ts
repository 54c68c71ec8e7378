/** A complete, healthy AppStatus to derive test cases from (health/tray tests and the renderer's stand-in API). */
import type { Check } from '../../main/shared/checks.ts';
import type { AppStatus } from '../../main/shared/status.ts';

/** A minute before the test run started: recent for the verdict, and the same in every fixture of the run. */
const RECENT = new Date(Date.now() - 60_000).toISOString();

/** Every probe the service runs, passed a minute ago. */
export function passingProbes(at: string = RECENT): Check[] {
  return [
    { id: 'door-certificate:plex.example.com', area: 'certificate', title: 'Certificate for plex.example.com', ok: true, at, detail: 'Trusted certificate from "Pebble Intermediate CA", valid until 2027-01-30.' },
    { id: 'door-plex:plex.example.com', area: 'pms', title: 'https://plex.example.com reaches Plex', ok: true, at, detail: 'A request through the door reached Plex Media Server.' },
    { id: 'dns:plex.example.com', area: 'dns', title: 'plex.example.com points to this network', ok: true, at, detail: 'plex.example.com has A 203.0.113.7, your public address.' },
    { id: 'outside', area: 'outside', title: 'Reachable from the internet', ok: true, at, detail: 'The certificate authority reached the door on port 443.' },
    { id: 'plex-tv-resources', area: 'plex-published', title: 'plex.tv lists your address', ok: true, at, detail: 'plex.tv lists https://plex.example.com:443.' },
  ];
}

export function healthyStatus(): AppStatus {
  return {
    version: '0.1.0',
    demo: false,
    domains: ['plex.example.com'],
    door: {
      state: 'running',
      listeners: [{ kind: 'https', port: 8443, listening: true }, { kind: 'http', port: 8080, listening: true }],
      routes: [{ host: 'plex.example.com', upstream: 'http://127.0.0.1:32400', certificate: 'real', openConnections: 2, requests: 1234, bytesIn: 56_000, bytesOut: 78_900_000 }],
      passthrough: { openConnections: 0, total: 12, bytesIn: 1000, bytesOut: 2000 },
      errors: {},
    },
    certificates: [{
      domains: ['plex.example.com'], state: 'valid', issuer: 'Pebble Intermediate CA', notBefore: '2026-11-01T00:00:00Z',
      notAfter: '2027-01-30T00:00:00Z', nextAttemptAt: '2026-12-31T00:00:00Z', challenge: 'tls-alpn-01', staging: false,
    }],
    plex: { state: 'configured', url: 'http://127.0.0.1:32400', machineIdentifier: 'abc123', version: '1.41.0', signedIn: true, applied: true, mappingState: 'mapped' },
    router: {
      mode: 'auto', state: 'mapped', gateway: '192.168.1.1', externalAddress: '203.0.113.7', publicAddress: '203.0.113.7',
      mappings: [{ protocol: 'upnp', externalPort: 443, internalPort: 8443, internalClient: '192.168.1.20', transport: 'TCP', state: 'mapped', expiresAt: '2026-11-29T06:00:00Z' }],
      findings: [{ id: 'public-ip', severity: 'ok', title: 'Your router has a public address', detail: '203.0.113.7' }],
    },
    dns: { records: [{ name: 'plex.example.com', type: 'A', values: ['203.0.113.7'], matchesPublic: true }] },
    checks: passingProbes(),
    health: { state: 'ok', reason: 'https://plex.example.com works' },
  };
}
