/**
 * The service side of the contract for renderer tests: every channel answering with valid
 * contract values and a little state, so the UI can be clicked through without pebble, PMS or a
 * router. The real pieces are covered by their own tests and the end-to-end wizard test.
 */
import type { ConfigPatch, ConfigView, EventRecord, LanAccessView, PorticoApiHandlers, PrefChange, WizardState, Check } from '../../main/shared/api.ts';
import { passwordProblem } from '../../main/shared/lan-password.ts';
import { isDomainName } from '../../main/shared/config/host-rules.ts';
import { health } from '../../main/shared/health.ts';
import { err, ok } from '../../main/shared/result.ts';
import type { AppStatus } from '../../main/shared/status.ts';
import type { CertificateStatus } from '../../main/shared/status/certificates.ts';
import { healthyStatus } from '../shared/app-status-fixture.ts';

export class StandInService {
  status: AppStatus;
  config: ConfigView = {
    domains: [],
    door: { httpsPorts: [8443, 32443], httpPort: 8080, publicHttpsPort: 443, hsts: false },
    acme: { directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', email: null, challenge: 'auto', staging: false, eabKid: null, eabConfigured: false },
    dns: { provider: null, providerConfigured: false, ddns: false },
    router: { mode: 'auto', mapPlexPort: false },
    plex: { url: 'http://127.0.0.1:32400' },
    routes: [],
    publicIp: { lookup: true, services: [] },
    alerts: { webhook: null, ntfy: null },
    lanAddress: '192.168.1.20',
  };
  wizard: WizardState = { step: 'welcome', completed: [], finished: false };
  events: EventRecord[] = [];
  /** Every config patch the UI sent, in order. */
  patches: ConfigPatch[] = [];
  /** Calls per channel, so a test can see what the UI asked for. */
  calls: string[] = [];
  routerMapAttempts = 0;
  /** Failure switches for the failure-path tests. */
  pmsDown = false;
  caRefuses = false;
  routerMapFails = false;
  /** The domain has no DNS record yet (the real check's words, naming the dynamic DNS option). */
  dnsMissing = false;
  /** A service that answers "saved" but kept no DNS provider: the UI must not say "Saved". */
  dropsProvider = false;
  /** Checks Verify returns besides the fixed five (the outside check, say). */
  verifyExtra: Check[] = [];
  /** The dashboard on the local network, by the real rules: on only with a password, which must be long enough. */
  lan: LanAccessView = { enabled: false, passwordSet: false, passwordSetAt: null, urls: [], problem: null };
  /** The passwords the UI sent, so a test can see one was (and that none was shown back). */
  lanPasswords: string[] = [];
  /** What "New link" does: the test hands the real UiServer's rotation in here. */
  rotateLink: (() => Promise<string>) | null = null;
  private signedIn = false;
  private readonly statusListeners = new Set<(s: AppStatus) => void>();
  private readonly eventListeners = new Set<(e: EventRecord) => void>();

  constructor() {
    const s = healthyStatus();
    s.domains = [];
    s.certificates = [];
    s.plex = { state: 'found', url: 'http://127.0.0.1:32400', version: '1.41.3.9314', machineIdentifier: 'f00dfeed', signedIn: false, applied: false };
    s.router = { mode: 'auto', state: 'off', mappings: [], findings: [] };
    s.door.routes = [];
    s.dns.records = [];
    this.status = { ...s, health: health(s) };
  }

  onDidChangeStatus = (fn: (s: AppStatus) => void) => { this.statusListeners.add(fn); return () => { this.statusListeners.delete(fn); }; };
  onDidAddEvent = (fn: (e: EventRecord) => void) => { this.eventListeners.add(fn); return () => { this.eventListeners.delete(fn); }; };

  /** Change the status the way the real service would: recompute health, then tell subscribers. */
  update(edit: (s: AppStatus) => void): void {
    const s = structuredClone(this.status);
    edit(s);
    this.status = { ...s, health: health(s) };
    for (const fn of this.statusListeners) fn(this.status);
  }

  addEvent(kind: string, level: EventRecord['level'], message: string): void {
    const e = { time: new Date().toISOString(), kind, level, message };
    this.events.push(e);
    for (const fn of this.eventListeners) fn(e);
  }

  private prefs(opts: { manualPort: boolean; customCertificate: boolean }, applied: boolean): PrefChange[] {
    const url = `https://${this.config.domains[0] ?? 'plex.example.com'}:443`;
    const list: PrefChange[] = [{ id: 'customConnections', label: 'Custom server access URLs', before: applied ? url : '', after: url }];
    if (opts.manualPort) {
      list.push({ id: 'ManualPortMappingMode', label: 'Manually specify public port', before: applied ? '1' : '0', after: '1' });
      list.push({ id: 'ManualPortMappingPort', label: 'Public port', before: applied ? '443' : '32400', after: '443' });
    }
    if (opts.customCertificate) list.push({ id: 'customCertificatePath', label: 'Custom certificate location', before: '', after: '/var/lib/portico/plex.p12' });
    return list;
  }

  private cert(staging: boolean): CertificateStatus {
    return {
      domains: [...this.config.domains], state: 'valid', issuer: staging ? '(STAGING) Pebble Intermediate' : 'Pebble Intermediate CA',
      notBefore: '2026-11-29T00:00:00Z', notAfter: '2027-02-27T00:00:00Z', nextAttemptAt: '2027-01-28T00:00:00Z', challenge: 'tls-alpn-01', staging,
    };
  }

  handlers(): PorticoApiHandlers {
    const track = <T>(name: string, v: T): T => { this.calls.push(name); return v; };
    return {
      'status:get': () => track('status:get', this.status),
      'events:list': () => track('events:list', [...this.events]),
      'config:get': () => track('config:get', this.config),
      'config:update': (patch) => {
        this.calls.push('config:update');
        const bad = (patch.domains ?? []).map((d, i) => ({ d, i })).filter(({ d }) => !isDomainName(d));
        if (bad.length) {
          // Worded like ConfigStore: the first problem's key and message in the title.
          return err({ code: 'config-invalid', message: `The settings were not saved: domains[${bad[0]!.i}] ${JSON.stringify(bad[0]!.d)} is not a domain name.`, fix: 'Correct the marked field and save again.', problems: bad.map(({ d, i }) => ({ key: `domains[${i}]`, message: `${JSON.stringify(d)} is not a domain name; use a full name such as "plex.example.com"` })) });
        }
        const c = structuredClone(this.config);
        if (patch.domains) c.domains = patch.domains;
        if (patch.acme?.email !== undefined) c.acme.email = patch.acme.email;
        if (patch.acme?.challenge) c.acme.challenge = patch.acme.challenge;
        if (patch.dns?.provider !== undefined && !this.dropsProvider) { c.dns.provider = patch.dns.provider?.kind ?? null; c.dns.providerConfigured = patch.dns.provider !== null; }
        if (patch.dns?.ddns !== undefined) c.dns.ddns = patch.dns.ddns;
        if (patch.router?.mode) c.router.mode = patch.router.mode;
        if (patch.router?.mapPlexPort !== undefined) c.router.mapPlexPort = patch.router.mapPlexPort;
        if (patch.plex?.url) c.plex.url = patch.plex.url;
        if (patch.door?.httpsPorts) c.door.httpsPorts = patch.door.httpsPorts;
        if (patch.door?.hsts !== undefined) c.door.hsts = patch.door.hsts;
        if (patch.routes) c.routes = patch.routes;
        if (patch.publicIp?.lookup !== undefined) c.publicIp = { lookup: patch.publicIp.lookup, services: patch.publicIp.lookup ? c.publicIp.services : [] };
        if (patch.acme?.directoryUrl) c.acme.directoryUrl = patch.acme.directoryUrl;
        // Like ConfigStore: the HMAC key is kept as a secret; the view says only whether it is set.
        if (patch.acme?.eab !== undefined) { c.acme.eabKid = patch.acme.eab?.kid ?? null; c.acme.eabConfigured = !!patch.acme.eab && (!!patch.acme.eab.hmacKey || c.acme.eabConfigured); }
        this.patches.push(structuredClone(patch));
        if (patch.alerts?.webhook) c.alerts.webhook = { host: new URL(patch.alerts.webhook).host };
        if (patch.alerts?.webhook === null) c.alerts.webhook = null;
        if (patch.alerts?.ntfy) c.alerts.ntfy = { host: patch.alerts.ntfy.url ? new URL(patch.alerts.ntfy.url).host : c.alerts.ntfy?.host ?? '?', token: !!patch.alerts.ntfy.token || (patch.alerts.ntfy.token !== null && !!c.alerts.ntfy?.token) };
        if (patch.alerts?.ntfy === null) c.alerts.ntfy = null;
        this.config = c;
        this.update((s) => { s.domains = [...c.domains]; s.router.mode = c.router.mode; if (c.router.mode === 'manual') { s.router.state = 'manual'; delete s.router.error; } });
        return ok(c);
      },
      'wizard:get': () => track('wizard:get', this.wizard),
      'wizard:save': (w) => { this.wizard = w; return track('wizard:save', w); },
      'plex:discover': () => this.pmsDown
        ? track('plex:discover', { url: 'http://127.0.0.1:32400', found: false, token: 'none' as const, tokenValid: false, error: { code: 'pms-unreachable', message: 'Plex Media Server does not answer at http://127.0.0.1:32400 (connection refused).', fix: 'Start Plex Media Server on this computer, wait until its icon shows it is running, then choose "Check again".' } })
        : track('plex:discover', { url: 'http://127.0.0.1:32400', found: true, version: '1.41.3.9314', machineIdentifier: 'f00dfeed', token: this.signedIn ? 'signed-in' as const : 'none' as const, tokenValid: this.signedIn }),
      'plex:signin-start': () => track('plex:signin-start', ok({ authUrl: 'https://app.plex.tv/auth#?clientID=portico-test&code=WXYZ', code: 'WXYZ', expiresAt: new Date(Date.now() + 900_000).toISOString() })),
      'plex:signin-poll': () => {
        // The person confirms on plex.tv before the first poll arrives.
        this.signedIn = true;
        this.update((s) => { s.plex.signedIn = true; s.plex.state = 'signed-in'; });
        return track('plex:signin-poll', ok({ state: 'signed-in' as const }));
      },
      'plex:plan': (opts) => track('plex:plan', ok(this.prefs(opts, this.status.plex.applied))),
      'plex:apply': (opts) => {
        const before = this.prefs(opts, false);
        this.update((s) => { s.plex.applied = true; s.plex.state = 'configured'; });
        this.addEvent('plex-applied', 'info', 'Plex Media Server now advertises your domain.');
        return track('plex:apply', ok(before));
      },
      'plex:undo': () => {
        // Like PlexManager: without an undo record (nothing applied) there is nothing to restore.
        if (!this.status.plex.applied) return track('plex:undo', ok([]));
        const changes = this.prefs({ manualPort: true, customCertificate: false }, true).map((p) => ({ ...p, before: p.after, after: p.id === 'ManualPortMappingPort' ? '32400' : p.id === 'ManualPortMappingMode' ? '0' : '' }));
        this.update((s) => { s.plex.applied = false; s.plex.state = 'signed-in'; });
        return track('plex:undo', ok(changes));
      },
      'dns:check': () => track('dns:check', ok<Check[]>(this.dnsMissing ? [
        { id: 'dns-resolves', title: `${this.config.domains[0]} has an address`, ok: false, detail: `${this.config.domains[0]} has no A or AAAA record yet.`, fix: `Create an A record for ${this.config.domains[0]} pointing to 203.0.113.7 at your DNS provider, or turn on dynamic DNS below.` },
      ] : [
        { id: 'dns-resolves', title: `${this.config.domains[0]} has an address`, ok: true, detail: 'A 203.0.113.7' },
        { id: 'dns-public', title: 'It points at your public address', ok: true, detail: 'Your public address is 203.0.113.7' },
      ])),
      'router:map': () => {
        this.routerMapAttempts++;
        this.calls.push('router:map');
        // The first attempt meets a router without UPnP, like many real ones; so does any attempt
        // while routerMapFails is set. Like the RouterManager, the status drops the old mappings.
        if (this.routerMapAttempts === 1 || this.routerMapFails) {
          this.update((s) => {
            s.router = {
              ...s.router, state: 'manual', mappings: [], lanAddress: '192.168.1.20',
              manual: [{ name: 'HTTPS (Portico door)', externalPort: 443, internalClient: '192.168.1.20', internalPort: 8443, transport: 'TCP' }],
              error: 'the router at 192.168.1.1 does not answer UPnP, NAT-PMP or PCP, so Portico cannot open the ports itself',
            };
          });
          return err({ code: 'router-no-mapping-protocol', message: 'Your router did not answer UPnP, NAT-PMP or PCP requests.', fix: 'Turn on UPnP in the router’s settings, or forward the ports yourself with the numbers shown below.' });
        }
        this.update((s) => {
          delete s.router.error;
          delete s.router.manual;
          s.router.state = 'mapped';
          s.router.mappings = [{ protocol: 'upnp', externalPort: 443, internalPort: 8443, internalClient: '192.168.1.20', transport: 'TCP', state: 'mapped' }];
        });
        return ok(this.status.router);
      },
      'router:diagnose': () => track('router:diagnose', ok([
        { id: 'public-ip', severity: 'ok' as const, title: 'Your router has a public address', detail: '203.0.113.7 (no carrier-grade NAT)' },
        { id: 'hairpin', severity: 'warning' as const, title: 'Devices at home may not reach the domain', detail: 'The router does not loop back connections to its own public address.', fix: 'Add a local DNS entry for the domain pointing at 192.168.1.20.' },
      ])),
      'cert:issue': ({ staging }) => {
        if (this.caRefuses) {
          return track('cert:issue', err({ code: 'acme-unauthorized', message: 'The certificate authority could not check plex.example.com: connection to port 443 timed out (urn:ietf:params:acme:error:connection).', fix: 'Make sure your router forwards port 443 to this computer (Router step), or choose DNS-01 with a DNS provider, then try again.' }));
        }
        const c = this.cert(staging);
        if (!staging) {
          this.update((s) => {
            s.certificates = [c];
            s.door.routes = [{ host: c.domains[0] ?? '', upstream: 'http://127.0.0.1:32400', certificate: 'real', openConnections: 1, requests: 42, bytesIn: 12_000, bytesOut: 3_400_000 }];
            s.dns.records = [{ name: c.domains[0] ?? '', type: 'A', values: ['203.0.113.7'], matchesPublic: true }];
          });
          this.addEvent('cert-issued', 'info', `Certificate for ${c.domains.join(', ')} issued, valid until 2027-02-27.`);
        }
        return track('cert:issue', ok(c));
      },
      'cert:renew': ({ force }) => {
        this.calls.push(`cert:renew force=${force}`);
        const current = this.status.certificates[0];
        // Like CertManager: without force, a certificate that is not due is left as it is.
        if (!force && current) return track('cert:renew', ok(current));
        const c = { ...this.cert(false), notBefore: '2026-12-01T00:00:00Z', notAfter: '2027-03-01T00:00:00Z' };
        this.update((s) => { s.certificates = [c]; });
        this.addEvent('cert-renewed', 'info', 'Certificate renewed on request.');
        return track('cert:renew', ok(c));
      },
      'verify:run': () => {
        const s = this.status;
        const checks: Check[] = [
          { id: 'door-listening', title: 'The door is listening', ok: s.door.state === 'running', detail: 'HTTPS 8443, HTTP 8080' },
          { id: 'cert-valid', title: 'The door serves a trusted certificate', ok: s.certificates.some((c) => c.state === 'valid' && !c.staging), detail: 'Pebble Intermediate CA', fix: 'Open the Certificate step and get a certificate.' },
          { id: 'plex-through-door', title: 'Plex answers through your domain', ok: s.plex.signedIn, detail: 'GET /identity via https://' + (s.domains[0] ?? ''), fix: 'Start Plex Media Server.' },
          { id: 'plex-prefs', title: 'Plex advertises your domain', ok: s.plex.applied, detail: 'customConnections', fix: 'Open the Plex settings step and apply.' },
          { id: 'client-address', title: 'Plex sees the real client address', ok: true, detail: 'X-Forwarded-For is set' },
          ...this.verifyExtra,
        ];
        return track('verify:run', ok(checks));
      },
      'diagnostics:export': () => track('diagnostics:export', ok({ filename: 'portico-diagnostics-20261129.json', content: JSON.stringify({ status: this.status, config: this.config }, null, 2) })),
      // Worded like the real handler: the webhook answers, the ntfy topic refuses a missing token.
      'alerts:test': () => {
        const a = this.config.alerts;
        if (!a.webhook && !a.ntfy) return track('alerts:test', err({ code: 'no-alert-channels', message: 'No alert channel is set up, so there is nowhere to send a test alert.', fix: 'Enter a webhook URL or an ntfy topic URL, save, then send a test alert.' }));
        return track('alerts:test', ok([
          ...(a.webhook ? [{ channel: 'webhook' as const, ok: true, message: 'The webhook took the test alert.' }] : []),
          ...(a.ntfy ? [a.ntfy.token
            ? { channel: 'ntfy' as const, ok: true, message: 'The ntfy topic took the test alert.' }
            : { channel: 'ntfy' as const, ok: false, message: `${a.ntfy.host} refused the ntfy alert (HTTP 401).`, fix: 'Check the access token, or that the topic allows anonymous publishing.' }] : []),
        ]));
      },
      'ui:lan-get': () => track('ui:lan-get', ok({ ...this.lan })),
      'ui:lan-update': (change) => {
        if (change.password !== undefined) {
          const problem = passwordProblem(change.password);
          if (problem) return track('ui:lan-update', err({ code: 'password-too-weak', message: `The password was not saved. ${problem}`, fix: 'Choose a longer password and save it again.' }));
          this.lanPasswords.push(change.password);
          this.lan = { ...this.lan, passwordSet: true, passwordSetAt: '2026-11-29T10:00:00.000Z' };
        }
        if (change.enabled && !this.lan.passwordSet) return track('ui:lan-update', err({ code: 'no-password', message: 'The dashboard cannot be opened to your network without a password.', fix: 'Set a password first, then turn it on.' }));
        if (change.enabled !== undefined) this.lan = { ...this.lan, enabled: change.enabled };
        this.lan = { ...this.lan, urls: this.lan.enabled && this.lan.passwordSet ? ['http://192.168.1.20:8766/'] : [] };
        return track('ui:lan-update', ok({ ...this.lan }));
      },
      'ui:rotate-link': async () => track('ui:rotate-link', this.rotateLink
        ? ok({ url: await this.rotateLink() })
        : err({ code: 'no-link', message: 'This window has no dashboard link to rotate.', fix: 'Use `portico ui-link --rotate`.' })),
    };
  }

  /** The state after a completed wizard, reached through the same handlers the UI calls. */
  static async finished(): Promise<StandInService> {
    const svc = new StandInService();
    const h = svc.handlers();
    await h['config:update']({ domains: ['plex.example.com'], acme: { email: 'me@example.com' } });
    await h['plex:signin-poll']();
    await h['router:map']();
    await h['router:map']();
    await h['cert:issue']({ staging: false });
    await h['plex:apply']({ manualPort: true, customCertificate: false });
    svc.wizard = { step: 'verify', completed: ['welcome', 'plex', 'domain', 'router', 'certificate', 'plex-settings', 'verify'], finished: true };
    svc.calls = [];
    svc.patches = [];
    return svc;
  }
}
