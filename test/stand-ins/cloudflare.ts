/**
 * Stand-in for the part of Cloudflare's v4 API Portico uses (an internet API, so a local HTTP
 * server is allowed): bearer-token auth, GET /zones?name=, GET/POST /zones/{id}/dns_records,
 * PUT/DELETE /zones/{id}/dns_records/{rid}, with Cloudflare's envelope
 * {success, errors:[{code,message}], messages, result} and its error responses
 * (403 + code 9109 "Invalid access token", 429 + code 971, 400 + 81058 identical record).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface CfStandInRecord { id: string; type: string; name: string; content: string; ttl: number; proxied?: boolean }

export interface CloudflareStandIn {
  apiBase: string;
  token: string;
  zoneId: string;
  records: CfStandInRecord[];
  requests: { method: string; path: string }[];
  /** Answer the next N requests with 429 (rate limited). */
  failNext(n: number): void;
  stop(): Promise<void>;
}

export async function startCloudflare(zoneName = 'example.test'): Promise<CloudflareStandIn> {
  const token = randomBytes(20).toString('hex');
  const zoneId = randomBytes(16).toString('hex');
  const records: CfStandInRecord[] = [];
  const requests: { method: string; path: string }[] = [];
  let fail = 0;
  const send = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const okEnv = (result: unknown) => ({ success: true, errors: [], messages: [], result });
  const errEnv = (code: number, message: string) => ({ success: false, errors: [{ code, message }], messages: [], result: null });

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ method: req.method ?? '', path: url.pathname + url.search });
      const path = url.pathname.replace(/^\/client\/v4/, '');
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 403, errEnv(9109, 'Invalid access token'));
      if (fail > 0) { fail--; return send(res, 429, errEnv(971, 'Please wait and consider throttling your request speed')); }
      if (req.method === 'GET' && path === '/zones') {
        const name = url.searchParams.get('name');
        return send(res, 200, { ...okEnv(name === zoneName ? [{ id: zoneId, name: zoneName, status: 'active' }] : []), result_info: { page: 1, per_page: 20, count: name === zoneName ? 1 : 0, total_count: name === zoneName ? 1 : 0 } });
      }
      const m = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
      if (!m || m[1] !== zoneId) return send(res, 404, errEnv(7003, 'Could not route to ' + path + ', perhaps your object identifier is invalid?'));
      const rid = m[2];
      let body: Partial<CfStandInRecord> = {};
      if (raw) { try { body = JSON.parse(raw) as Partial<CfStandInRecord>; } catch { return send(res, 400, errEnv(9207, 'Request body is invalid.')); } }
      if (req.method === 'GET' && !rid) {
        const type = url.searchParams.get('type'), name = url.searchParams.get('name');
        return send(res, 200, okEnv(records.filter((r) => (!type || r.type === type) && (!name || r.name === name))));
      }
      if (req.method === 'POST' && !rid) {
        if (!body.type || !body.name || typeof body.content !== 'string') return send(res, 400, errEnv(9005, 'Content for record is invalid.'));
        if (records.some((r) => r.type === body.type && r.name === body.name && r.content === body.content)) return send(res, 400, errEnv(81058, 'An identical record already exists.'));
        const rec: CfStandInRecord = { id: randomBytes(16).toString('hex'), type: body.type, name: body.name, content: body.type === 'TXT' ? `"${body.content}"` : body.content, ttl: body.ttl ?? 1, proxied: body.proxied ?? false };
        records.push(rec);
        return send(res, 200, okEnv(rec));
      }
      const i = records.findIndex((r) => r.id === rid);
      if (i < 0) return send(res, 404, errEnv(81044, 'Record does not exist.'));
      if (req.method === 'PUT') {
        records[i] = { ...records[i]!, ...body, id: rid! } as CfStandInRecord;
        return send(res, 200, okEnv(records[i]));
      }
      if (req.method === 'DELETE') {
        records.splice(i, 1);
        return send(res, 200, okEnv({ id: rid }));
      }
      return send(res, 405, errEnv(10000, 'Method not allowed'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    apiBase: `http://127.0.0.1:${port}/client/v4`, token, zoneId, records, requests,
    failNext: (n) => { fail = n; },
    stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
