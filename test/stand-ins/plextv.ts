/**
 * plex.tv stand-in (an internet API): PINs, the user check and the resources list, per
 * /work/shared/reference/plex-api.md section 5. JSON only for exactly `Accept: application/json`,
 * XML otherwise. Time comes from an injected clock so PIN expiry is tested without waiting.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Clock } from '../../main/core/support/clock.ts';
import { escapeXml } from '../../main/core/support/xml.ts';

export interface StandInAccount { id: number; username: string; email: string; token: string }
export interface StandInServer {
  name: string;
  machineIdentifier: string;
  ownerToken: string;
  /** Tokens of users the server is shared with (owned=false for them). */
  sharedTokens?: string[];
  /** The published connections; customConnections entries appear verbatim. */
  connections: () => { protocol: string; address: string; port: number; uri: string; local: boolean; relay: boolean }[];
}

interface Pin { id: number; code: string; clientIdentifier: string; strong: boolean; createdAt: number; expiresIn: number; authToken: string | null }

export interface PlexTvStandInOptions {
  clock: Clock;
  accounts: StandInAccount[];
  servers?: StandInServer[];
  /** U: an expired PIN is 404 (most likely) or still 200 with expiresIn 0 and no token. */
  expiredPin?: 'not-found' | 'lapsed';
}

const ERR_401 = { errors: [{ code: 1001, message: 'User could not be authenticated', status: 401 }] };

export class PlexTvStandIn {
  private readonly o: Required<PlexTvStandInOptions>;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pins = new Map<number, Pin>();
  private nextId = 111222333;
  readonly requests: { method: string; url: string; headers: IncomingMessage['headers'] }[] = [];

  constructor(o: PlexTvStandInOptions) {
    this.o = { servers: [], expiredPin: 'not-found', ...o };
  }

  get url(): string {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error('plex.tv stand-in is not listening');
    return `http://127.0.0.1:${a.port}`;
  }

  addServer(s: StandInServer): void { this.o.servers.push(s); }

  /** What the user does in the browser at app.plex.tv/auth: approve the PIN with their account. */
  approve(code: string, token: string): boolean {
    for (const p of this.pins.values()) {
      if (p.code === code && !this.expired(p)) { p.authToken = token; return true; }
    }
    return false;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private expired(p: Pin): boolean { return this.o.clock.now() >= p.createdAt + p.expiresIn * 1000; }

  private pinJson(p: Pin) {
    const left = Math.max(0, Math.round((p.createdAt + p.expiresIn * 1000 - this.o.clock.now()) / 1000));
    return {
      id: p.id, code: p.code, product: '0', trusted: false, qr: `https://plex.tv/api/v2/pins/qr/${p.code}`,
      clientIdentifier: p.clientIdentifier, location: { code: 'US', country: 'United States' },
      expiresIn: left, createdAt: new Date(p.createdAt).toISOString(), expiresAt: new Date(p.createdAt + p.expiresIn * 1000).toISOString(),
      authToken: p.authToken, newRegistration: p.authToken ? false : null,
    };
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, json: unknown, xml: string): void {
    if (req.headers.accept === 'application/json') {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(json));
    } else {
      res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'https://plex.tv');
    const cid = req.headers['x-plex-client-identifier'] as string | undefined;
    const token = (req.headers['x-plex-token'] as string | undefined) ?? url.searchParams.get('X-Plex-Token') ?? '';
    const attrs = (o: Record<string, unknown>) => Object.entries(o).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => `${k}="${escapeXml(String(v))}"`).join(' ');

    if (url.pathname === '/api/v2/pins' && req.method === 'POST') {
      if (!cid) return this.send(req, res, 400, { errors: [{ code: 1000, message: 'X-Plex-Client-Identifier is missing', status: 400 }] }, '<errors><error code="1000" message="X-Plex-Client-Identifier is missing" status="400"/></errors>');
      const strong = url.searchParams.get('strong') === 'true';
      const code = strong ? randomBytes(19).toString('base64url').replace(/[-_]/g, 'x').slice(0, 25) : randomBytes(3).toString('hex').slice(0, 4).toUpperCase();
      const p: Pin = { id: this.nextId++, code, clientIdentifier: cid, strong, createdAt: this.o.clock.now(), expiresIn: strong ? 1800 : 900, authToken: null };
      this.pins.set(p.id, p);
      return this.send(req, res, 201, this.pinJson(p), `<pin ${attrs(this.pinJson(p))}/>`);
    }
    const pinMatch = /^\/api\/v2\/pins\/(\d+)$/.exec(url.pathname);
    if (pinMatch && req.method === 'GET') {
      const p = this.pins.get(Number(pinMatch[1]));
      const notFound = () => this.send(req, res, 404, { errors: [{ code: 1020, message: 'Code not found or expired', status: 404 }] }, '<errors><error code="1020" message="Code not found or expired" status="404"/></errors>');
      if (!p || p.clientIdentifier !== cid) return notFound();
      if (this.expired(p) && !p.authToken && this.o.expiredPin === 'not-found') return notFound();
      return this.send(req, res, 200, this.pinJson(p), `<pin ${attrs(this.pinJson(p))}/>`);
    }
    const account = this.o.accounts.find((a) => a.token === token);
    if (url.pathname === '/api/v2/user' && req.method === 'GET') {
      if (!account) return this.send(req, res, 401, ERR_401, '<errors><error code="1001" message="User could not be authenticated" status="401"/></errors>');
      const u = { id: account.id, uuid: `u${account.id}`, username: account.username, email: account.email, authToken: account.token };
      return this.send(req, res, 200, u, `<user ${attrs(u)}/>`);
    }
    if (url.pathname === '/api/v2/resources' && req.method === 'GET') {
      if (!account) return this.send(req, res, 401, ERR_401, '<errors><error code="1001" message="User could not be authenticated" status="401"/></errors>');
      const list = this.o.servers.filter((s) => s.ownerToken === token || s.sharedTokens?.includes(token)).map((s) => ({
        name: s.name, product: 'Plex Media Server', productVersion: '1.42.2.10156-f737b826c', platform: 'Linux', platformVersion: '6.1',
        device: 'PC', clientIdentifier: s.machineIdentifier, createdAt: '2024-01-01T00:00:00Z', lastSeenAt: new Date(this.o.clock.now()).toISOString(),
        provides: 'server', ownerId: s.ownerToken === token ? null : 1, sourceTitle: s.ownerToken === token ? null : 'owner', publicAddress: '203.0.113.5',
        accessToken: s.ownerToken === token ? s.ownerToken : `shared-${s.machineIdentifier.slice(0, 8)}`, owned: s.ownerToken === token, home: false,
        synced: false, relay: true, presence: true, httpsRequired: false, publicAddressMatches: false, dnsRebindingProtection: false, natLoopbackSupported: false,
        connections: s.connections().map((c) => ({ ...c, IPv6: false })),
      }));
      const xml = `<MediaContainer size="${list.length}">${list.map((r) => `<resource ${attrs(r)}><connections>${r.connections.map((c) => `<connection ${attrs(c)}/>`).join('')}</connections></resource>`).join('')}</MediaContainer>`;
      return this.send(req, res, 200, list, xml);
    }
    this.send(req, res, 404, { errors: [{ code: 1002, message: 'Not found', status: 404 }] }, '<errors><error code="1002" message="Not found" status="404"/></errors>');
  }
}
