/**
 * Plex Media Server stand-in (PMS is proprietary and cannot be installed here). It follows
 * /work/shared/reference/plex-api.md: exact 401/403 bodies and headers, XML unless
 * `Accept: application/json` exactly, PUT /:/prefs with 400 for an unknown name, <MyPlex>,
 * refreshReachability with a websocket "reachability" notification, a media file with Range,
 * and prefs persisted to a Preferences.xml holding only non-default values.
 * Where the spec says U (unverified) the behaviour is an option, so tests can cover both.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIPv4, type Socket } from 'node:net';
import { isPublicAddress } from '../../main/shared/ip-address.ts';
import { WebSocketServer, type WebSocket } from 'ws';
import { escapeXml, parseXml } from '../../main/core/support/xml.ts';

export type PrefType = 'bool' | 'int' | 'double' | 'text';
export interface SettingDef {
  id: string; label: string; summary: string; type: PrefType; default: string;
  hidden?: boolean; advanced?: boolean; group?: string; enumValues?: string;
}

/** A catalogue shaped like PMS 1.4x's /:/prefs (ids, types, defaults from the real dump in the spec). */
export const SETTINGS: SettingDef[] = [
  { id: 'FriendlyName', label: 'Friendly name', summary: 'This name will be used to identify this media server to other computers on your network.', type: 'text', default: '', group: 'general' },
  { id: 'MachineIdentifier', label: '', summary: '', type: 'text', default: '', hidden: true },
  { id: 'PlexOnlineMail', label: '', summary: '', type: 'text', default: '', hidden: true },
  { id: 'CertificateUUID', label: '', summary: '', type: 'text', default: '', hidden: true },
  { id: 'PublishServerOnPlexOnlineKey', label: 'Publish server on Plex Online', summary: '', type: 'bool', default: '0', hidden: true },
  { id: 'ManualPortMappingMode', label: 'Manually specify public port', summary: '', type: 'bool', default: '0', hidden: true },
  { id: 'ManualPortMappingPort', label: 'Public port', summary: '', type: 'int', default: '32400', hidden: true },
  { id: 'LastAutomaticMappedPort', label: '', summary: '', type: 'int', default: '0', hidden: true },
  { id: 'customConnections', label: 'Custom server access URLs', summary: 'A comma-separated list of URLs (http or https) which are published up to plex.tv for server discovery.', type: 'text', default: '', advanced: true, group: 'network' },
  { id: 'secureConnections', label: 'Secure connections', summary: 'When set to "Required", some legacy clients will not be able to connect.', type: 'int', default: '1', advanced: true, group: 'network', enumValues: '1:Preferred|0:Required' },
  { id: 'customCertificatePath', label: 'Custom certificate location', summary: 'Path to a PKCS #12 file containing a certificate and private key.', type: 'text', default: '', advanced: true, group: 'network' },
  { id: 'customCertificateKey', label: 'Custom certificate encryption key', summary: '', type: 'text', default: '', advanced: true, group: 'network' },
  { id: 'customCertificateDomain', label: 'Custom certificate domain', summary: 'Domain name to be published to plex.tv using your mapped port; must match a name from the custom certificate file.', type: 'text', default: '', advanced: true, group: 'network' },
  { id: 'LanNetworksBandwidth', label: 'LAN Networks', summary: 'List of IP addresses and networks that are considered to be local.', type: 'text', default: '', advanced: true, group: 'network' },
  { id: 'allowedNetworks', label: 'List of IP addresses and networks that are allowed without auth', summary: '', type: 'text', default: '', advanced: true, group: 'network' },
  { id: 'TreatWanIpAsLocal', label: 'Treat WAN IP As LAN Bandwidth', summary: '', type: 'bool', default: '1', advanced: true, group: 'network' },
  { id: 'RelayEnabled', label: 'Enable Relay', summary: 'Allow the server to make connections through a relay.', type: 'bool', default: '1', advanced: true, group: 'network' },
  { id: 'EnableIPv6', label: 'Enable server support for IPv6', summary: '', type: 'bool', default: '0', advanced: true, group: 'network' },
  { id: 'GdmEnabled', label: 'Enable local network discovery (GDM)', summary: '', type: 'bool', default: '1', group: 'network' },
  { id: 'WanPerStreamMaxUploadRate', label: 'Limit remote stream bitrate', summary: '', type: 'int', default: '0', group: 'network' },
];

export const UNAUTHORIZED_BODY = '<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>';
export const FORBIDDEN_BODY = '<html><head><title>Forbidden</title></head><body><h1>403 Forbidden</h1></body></html>';
export const UNKNOWN_PREF_BODY = "Attempt to set a preferences that doesn't exist";

export interface PmsStandInOptions {
  /** Directory playing PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR; Preferences.xml goes in "<dir>/Plex Media Server/". */
  supportDir: string;
  ownerToken: string;
  /** Tokens of Plex users that are not the owner (shared/managed users). */
  otherTokens?: string[];
  machineIdentifier?: string;
  version?: string;
  /** Prefs missing from this server's list (an older PMS). */
  omitSettings?: string[];
  /** U: XML rendering of bool default/value ("1"/"0" probably; "true"/"false" possible). */
  xmlBools?: 'numeric' | 'words';
  /** U: does a PUT with an unknown name apply nothing, or the known names before answering 400? */
  unknownPref?: 'apply-nothing' | 'apply-known';
  /** U: with Accept: application/json, a 401 may come as a JSON errors document. */
  jsonErrors?: boolean;
  /** U: a non-owner token may get 403 (S3) or 401. */
  nonOwnerStatus?: 401 | 403;
  /** U: Content-Type of XML answers ("text/xml;charset=utf-8" commonly observed). */
  xmlContentType?: string;
  /** What /myplex/account reports after a refreshReachability. */
  reachability?: { mappingState: 'mapped' | 'unknown'; mappingError: '' | 'unreachable' | 'publisherror' };
  /** How long PMS takes to re-check reachability (state "waiting" meanwhile). */
  reachabilityDelayMs?: number;
  /** Bytes of the media file served at MEDIA_PATH. */
  mediaSize?: number;
}

export const MEDIA_PATH = '/library/parts/1/1700000000/file.mp4';

export interface ReceivedRequest {
  method: string;
  url: string;
  peerAddress: string;
  headers: IncomingMessage['headers'];
  /** The client address PMS would use: X-Forwarded-For only when the peer is private and XFF public. */
  clientAddress: string;
}


function ipv4ToInt(a: string): number | null {
  if (!isIPv4(a)) return null;
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** `a` inside `net`: "192.168.1.0/24", "192.168.1.0/255.255.255.0" or a single address (IPv4). */
export function inNetwork(a: string, net: string): boolean {
  const [base, mask] = net.split('/') as [string, string | undefined];
  const ip = ipv4ToInt(a);
  const b = ipv4ToInt(base);
  if (ip === null || b === null) return a === net;
  let bits = 32;
  if (mask !== undefined) bits = isIPv4(mask) ? (ipv4ToInt(mask)!.toString(2).match(/1/g) ?? []).length : Number(mask);
  const m = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ip & m) >>> 0) === ((b & m) >>> 0);
}

const FILE_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n';

export class PmsStandIn {
  readonly opts: Required<Omit<PmsStandInOptions, 'otherTokens' | 'omitSettings'>> & { otherTokens: string[]; omitSettings: string[] };
  readonly received: ReceivedRequest[] = [];
  /** Every PUT /:/prefs query string, in order (to prove "nothing was sent"). */
  readonly prefPuts: string[] = [];
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly sinks = new Set<WebSocket>();
  /** Preferences.xml attributes, in file order (only non-default prefs plus identity/account keys). */
  private attrs: [string, string][] = [];
  private mapping = { mappingState: 'unknown', mappingError: '' };
  private readonly media: Buffer;
  private reachTimer: NodeJS.Timeout | undefined;

  constructor(o: PmsStandInOptions) {
    this.opts = {
      otherTokens: [], omitSettings: [], machineIdentifier: '2757a8d90a22f2fd9077c77b9107536981bf1a28', version: '1.42.2.10156-f737b826c',
      xmlBools: 'numeric', xmlContentType: 'text/xml;charset=utf-8', unknownPref: 'apply-nothing', jsonErrors: false, nonOwnerStatus: 403,
      reachability: { mappingState: 'mapped', mappingError: '' }, reachabilityDelayMs: 20, mediaSize: 256 * 1024, ...o,
    };
    this.media = Buffer.alloc(this.opts.mediaSize);
    for (let i = 0; i < this.media.length; i++) this.media[i] = (i * 31 + 7) & 0xff;
  }

  get preferencesPath(): string { return join(this.opts.supportDir, 'Plex Media Server', 'Preferences.xml'); }
  get url(): string {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('PMS stand-in is not listening');
    return `http://127.0.0.1:${a.port}`;
  }
  get port(): number { return Number(new URL(this.url).port); }
  get mediaBytes(): Buffer { return this.media; }

  /** Load Preferences.xml if it exists, else write a fresh one like a newly claimed PMS would; then listen. */
  async start(port = 0): Promise<void> {
    const text = await readFile(this.preferencesPath, 'utf8').catch(() => null);
    if (text !== null) {
      this.attrs = Object.entries(parseXml(text).attrs);
    } else {
      this.attrs = [
        ['OldestPreviousVersion', this.opts.version],
        ['MachineIdentifier', '2f7c1d2e-93a1-4f4e-b5c8-1c2d3e4f5a6b'],
        ['ProcessedMachineIdentifier', this.opts.machineIdentifier],
        ['AnonymousMachineIdentifier', '5a0d1e2f-6b7c-4d8e-9f00-112233445566'],
        ['MetricsEpoch', '1'],
        ['AcceptedEULA', '1'],
        ['PublishServerOnPlexOnlineKey', '1'],
        ['PlexOnlineHome', '1'],
        ['PlexOnlineMail', 'owner@example.com'],
        ['PlexOnlineToken', this.opts.ownerToken],
        ['PlexOnlineUsername', 'owner'],
        ['CertificateUUID', '0123456789abcdef0123456789abcdef'],
        ['FriendlyName', 'Living Room'],
      ];
      await this.persist();
    }
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 20_000;
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    clearTimeout(this.reachTimer);
    for (const ws of this.sinks) ws.terminate();
    this.wss.close();
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Current value of a pref as PMS would report it (raw string form). */
  pref(id: string): string | undefined {
    const def = this.settings().find((s) => s.id === id);
    return this.attrs.find(([k]) => k === id)?.[1] ?? def?.default;
  }

  /** Send a notification to every websocket listener. */
  notify(container: Record<string, unknown>): void {
    const text = JSON.stringify({ NotificationContainer: container });
    for (const ws of this.sinks) ws.send(text);
  }

  private settings(): SettingDef[] {
    return SETTINGS.filter((s) => !this.opts.omitSettings.includes(s.id));
  }

  private async persist(): Promise<void> {
    await mkdir(join(this.opts.supportDir, 'Plex Media Server'), { recursive: true });
    const body = this.attrs.map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
    await writeFile(this.preferencesPath, `${FILE_HEADER}<Preferences${body}/>\n`);
  }

  private auth(req: IncomingMessage, url: URL): 'owner' | 'other' | 'none' {
    const t = (req.headers['x-plex-token'] as string | undefined) ?? url.searchParams.get('X-Plex-Token') ?? '';
    if (t && t === this.opts.ownerToken) return 'owner';
    if (t && this.opts.otherTokens.includes(t)) return 'other';
    // "List of IP addresses and networks that are allowed without auth" (IP or IP/netmask or CIDR)
    const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if ((this.pref('allowedNetworks') ?? '').split(',').some((n) => n && inNetwork(peer, n.trim()))) return 'owner';
    return 'none';
  }

  private record(req: IncomingMessage): void {
    const peer = req.socket.remoteAddress ?? '';
    const xff = String(req.headers['x-forwarded-for'] ?? '').split(',').map((s) => s.trim()).filter(Boolean).at(-1);
    const clientAddress = !isPublicAddress(peer) && xff && isPublicAddress(xff) ? xff : peer;
    this.received.push({ method: req.method ?? '', url: req.url ?? '', peerAddress: peer, headers: req.headers, clientAddress });
  }

  private base(res: ServerResponse): void {
    res.setHeader('X-Plex-Protocol', '1.0');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Connection', 'Keep-Alive');
    res.setHeader('Keep-Alive', 'timeout=20');
  }

  private refuse(req: IncomingMessage, res: ServerResponse, status: 401 | 403): void {
    if (status === 401 && this.opts.jsonErrors && req.headers.accept === 'application/json') {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 1001, message: 'User could not be authenticated', status: 401 }] }));
      return;
    }
    res.writeHead(status, { 'Content-Type': 'text/html' });
    res.end(status === 401 ? UNAUTHORIZED_BODY : FORBIDDEN_BODY);
  }

  private sendXml(res: ServerResponse, xml: string): void {
    res.writeHead(200, { 'Content-Type': this.opts.xmlContentType });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.record(req);
    this.base(res);
    const url = new URL(req.url ?? '/', 'http://pms');
    const json = req.headers.accept === 'application/json';
    const method = req.method ?? 'GET';
    req.resume();

    if (url.pathname === '/identity' && method === 'GET') {
      const id = { size: 0, apiVersion: '1.1.1', claimed: true, machineIdentifier: this.opts.machineIdentifier, version: this.opts.version };
      if (json) { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ MediaContainer: id })); return; }
      this.sendXml(res, `<MediaContainer size="0" apiVersion="1.1.1" claimed="1" machineIdentifier="${id.machineIdentifier}" version="${id.version}">\n</MediaContainer>\n`);
      return;
    }
    const who = this.auth(req, url);
    if (who === 'none') return this.refuse(req, res, 401);
    if (who === 'other' && (url.pathname.startsWith('/:/prefs') || url.pathname.startsWith('/myplex'))) return this.refuse(req, res, this.opts.nonOwnerStatus);

    if (url.pathname === '/:/prefs' && method === 'GET') return this.getPrefs(res, json);
    if (url.pathname === '/:/prefs' && method === 'PUT') { void this.putPrefs(url, res); return; }
    if (url.pathname === '/:/prefs/get' && method === 'GET') {
      const s = this.settings().find((x) => x.id === url.searchParams.get('id'));
      if (!s) { res.writeHead(404, { 'Content-Type': 'text/html' }); res.end('<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>'); return; }
      this.sendXml(res, `<MediaContainer size="1">\n${this.settingXml(s)}\n</MediaContainer>\n`);
      return;
    }
    if (url.pathname === '/myplex/account' && method === 'GET') {
      const a = {
        authToken: this.opts.ownerToken, username: 'owner@example.com', mappingState: this.mapping.mappingState, mappingError: this.mapping.mappingError,
        mappingErrorMessage: this.mapping.mappingError ? 'Not reachable from outside your network' : '', signInState: 'ok', publicAddress: '203.0.113.5',
        publicPort: this.pref('ManualPortMappingMode') === '1' ? String(this.pref('ManualPortMappingPort')) : '32400',
        privateAddress: '192.168.1.10', privatePort: '32400', subscriptionActive: '1', subscriptionState: 'Active',
      };
      if (json) { res.writeHead(200, { 'Content-Type': 'application/json' }); res.end(JSON.stringify({ MyPlex: a })); return; }
      this.sendXml(res, `<MyPlex ${Object.entries(a).map(([k, v]) => `${k}="${escapeXml(v)}"`).join(' ')}/>\n`);
      return;
    }
    if (url.pathname === '/myplex/refreshReachability' && method === 'PUT') {
      this.mapping = { mappingState: 'waiting', mappingError: '' };
      clearTimeout(this.reachTimer);
      this.reachTimer = setTimeout(() => {
        this.mapping = { ...this.opts.reachability };
        this.notify({ type: 'reachability', size: 1, ReachabilityNotification: [{ reachability: this.opts.reachability.mappingState === 'mapped' }] });
      }, this.opts.reachabilityDelayMs);
      res.writeHead(200);
      res.end();
      return;
    }
    if (url.pathname === MEDIA_PATH && (method === 'GET' || method === 'HEAD')) return this.sendMedia(req, res, method);
    if (url.pathname === '/' && method === 'GET') {
      this.sendXml(res, `<MediaContainer size="0" friendlyName="${escapeXml(this.pref('FriendlyName') ?? '')}" machineIdentifier="${this.opts.machineIdentifier}" version="${this.opts.version}" myPlex="1" myPlexMappingState="${this.mapping.mappingState}" myPlexSigninState="ok">\n</MediaContainer>\n`);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/html' });
    res.end('<html><head><title>Not Found</title></head><body><h1>404 Not Found</h1></body></html>');
  }

  private renderValue(s: SettingDef, raw: string, json: boolean): string | number | boolean {
    if (s.type === 'bool') {
      const b = raw === '1' || raw === 'true';
      return json ? b : this.opts.xmlBools === 'words' ? String(b) : b ? '1' : '0';
    }
    if (s.type === 'int' || s.type === 'double') return json ? Number(raw) : raw;
    return raw;
  }

  private settingXml(s: SettingDef): string {
    const a: [string, string][] = [
      ['id', s.id], ['label', s.label], ['summary', s.summary], ['type', s.type],
      ['default', String(this.renderValue(s, s.default, false))], ['value', String(this.renderValue(s, this.pref(s.id) ?? s.default, false))],
      ['hidden', s.hidden ? '1' : '0'], ['advanced', s.advanced ? '1' : '0'], ['group', s.group ?? ''],
    ];
    if (s.enumValues) a.push(['enumValues', s.enumValues]);
    return `<Setting ${a.map(([k, v]) => `${k}="${escapeXml(v)}"`).join(' ')} />`;
  }

  private getPrefs(res: ServerResponse, json: boolean): void {
    const list = this.settings();
    if (json) {
      const Setting = list.map((s) => ({
        id: s.id, label: s.label, summary: s.summary, type: s.type,
        default: this.renderValue(s, s.default, true), value: this.renderValue(s, this.pref(s.id) ?? s.default, true),
        hidden: !!s.hidden, advanced: !!s.advanced, group: s.group ?? '', ...(s.enumValues ? { enumValues: s.enumValues } : {}),
      }));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ MediaContainer: { size: list.length, Setting } }));
      return;
    }
    this.sendXml(res, `<MediaContainer size="${list.length}">\n${list.map((s) => this.settingXml(s)).join('\n')}\n</MediaContainer>\n`);
  }

  private coerce(s: SettingDef, v: string): string | undefined {
    if (s.type === 'bool') return v === '1' || v === 'true' ? '1' : v === '0' || v === 'false' ? '0' : undefined;
    if (s.type === 'int') return /^-?\d+$/.test(v) ? String(Number(v)) : undefined;
    if (s.type === 'double') return Number.isFinite(Number(v)) && v.trim() !== '' ? v : undefined;
    return v;
  }

  private async putPrefs(url: URL, res: ServerResponse): Promise<void> {
    this.prefPuts.push(url.search);
    const defs = new Map(this.settings().map((s) => [s.id, s]));
    const changes: [SettingDef, string][] = [];
    let bad = false;
    for (const [k, v] of url.searchParams) {
      if (k === 'X-Plex-Token') continue;
      const def = defs.get(k);
      const value = def ? this.coerce(def, v) : undefined;
      if (!def || value === undefined) bad = true;
      else changes.push([def, value]);
    }
    if (!bad || this.opts.unknownPref === 'apply-known') {
      for (const [def, value] of changes) {
        const i = this.attrs.findIndex(([k]) => k === def.id);
        if (value === def.default) { if (i >= 0) this.attrs.splice(i, 1); }
        else if (i >= 0) this.attrs[i] = [def.id, value];
        else this.attrs.push([def.id, value]);
      }
      if (changes.length) await this.persist();
    }
    if (bad) { res.writeHead(400, { 'Content-Type': 'text/html' }); res.end(UNKNOWN_PREF_BODY); return; }
    res.writeHead(200);
    res.end();
  }

  private sendMedia(req: IncomingMessage, res: ServerResponse, method: string): void {
    const size = this.media.length;
    const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (req.headers.range && !range) { res.writeHead(416, { 'Content-Range': `bytes */${size}` }); res.end(); return; }
    let start = 0;
    let end = size - 1;
    if (range) {
      if (range[1] === '') { start = Math.max(0, size - Number(range[2])); }
      else { start = Number(range[1]); if (range[2] !== '') end = Math.min(size - 1, Number(range[2])); }
      if (start >= size || start > end) { res.writeHead(416, { 'Content-Range': `bytes */${size}` }); res.end(); return; }
    }
    const headers: Record<string, string | number> = { 'Content-Type': 'video/mp4', 'Accept-Ranges': 'bytes', 'Content-Length': end - start + 1 };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(range ? 206 : 200, headers);
    res.end(method === 'HEAD' ? undefined : this.media.subarray(start, end + 1));
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.record(req);
    const url = new URL(req.url ?? '/', 'http://pms');
    if (url.pathname !== '/:/websockets/notifications' || this.auth(req, url) !== 'owner') {
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html\r\nContent-Length: ${UNAUTHORIZED_BODY.length}\r\nConnection: close\r\n\r\n${UNAUTHORIZED_BODY}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sinks.add(ws);
      ws.on('close', () => this.sinks.delete(ws));
    });
  }
}
