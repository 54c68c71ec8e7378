/**
 * Stand-in for an ntfy server's publish endpoint (docs.ntfy.sh/publish), an internet API:
 * POST /<topic> with the message as the body and Title, Priority, Tags, Click headers; an access
 * token as `Authorization: Bearer <token>`. Answers 200 with the message as JSON; a topic that
 * needs a token answers 401 `{"code":40101,"http":401,"error":"unauthorized"}` without one and 403
 * `{"code":40301,"http":403,"error":"forbidden"}` with a wrong one, as ntfy does. Also serves as a
 * plain webhook receiver (any other path records the POST and answers 204).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';

export interface Received { path: string; headers: IncomingHttpHeaders; body: string }
export interface NtfyStandIn {
  base: string;
  /** A topic that needs this token; other topics are open. */
  protectedTopic: string;
  token: string;
  received: Received[];
  /** Answer the next request with this status (a webhook receiver that is down). */
  failNext(status: number): void;
  stop(): Promise<void>;
}

export async function startNtfy(): Promise<NtfyStandIn> {
  const token = `tk_${randomUUID().replace(/-/g, '')}`;
  const received: Received[] = [];
  let fail: number | null = null;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (fail) { res.writeHead(fail); res.end(); fail = null; return; }
      const json = (status: number, v: unknown) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(v) + '\n'); };
      if (req.method !== 'POST' && req.method !== 'PUT') return json(405, { code: 40501, http: 405, error: 'method not allowed' });
      if (path.startsWith('/hook/')) { received.push({ path, headers: req.headers, body }); res.writeHead(204); res.end(); return; }
      const topic = path.slice(1);
      if (!/^[-_A-Za-z0-9]{1,64}$/.test(topic)) return json(404, { code: 40401, http: 404, error: 'page not found' });
      if (topic === 'protected') {
        const auth = req.headers.authorization;
        if (!auth) return json(401, { code: 40101, http: 401, error: 'unauthorized' });
        if (auth !== `Bearer ${token}`) return json(403, { code: 40301, http: 403, error: 'forbidden' });
      }
      received.push({ path, headers: req.headers, body });
      json(200, { id: randomUUID().slice(0, 12), time: Math.floor(Date.now() / 1000), event: 'message', topic, message: body, title: req.headers.title, priority: Number(req.headers.priority ?? 3), tags: String(req.headers.tags ?? '').split(',').filter(Boolean) });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    protectedTopic: 'protected', token, received,
    failNext: (s) => { fail = s; },
    stop: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
