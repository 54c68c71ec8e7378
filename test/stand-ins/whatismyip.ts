/**
 * A "what is my IP" service (like api.ipify.org / icanhazip.com) on 127.0.0.1: answers GET with
 * the caller's address as text/plain, over HTTP or HTTPS. `behaviour` plays the failures seen in
 * the wild: rate limiting (429), outages (503), and an HTML page instead of an address.
 */
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface WhatIsMyIpStandIn {
  url: string;
  requests: number;
  behaviour: { kind: 'answer'; reportAddress?: string } | { kind: 'status'; status: number; body: string } | { kind: 'html' };
  close(): Promise<void>;
}

export async function startWhatIsMyIpStandIn(opts: { tls?: { key: string; cert: string } } = {}): Promise<WhatIsMyIpStandIn> {
  const st = { url: '', requests: 0, behaviour: { kind: 'answer' } } as WhatIsMyIpStandIn;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    st.requests++;
    const b = st.behaviour;
    if (req.method !== 'GET') { res.writeHead(405, { Allow: 'GET' }).end('Method Not Allowed\n'); return; }
    if (b.kind === 'status') { res.writeHead(b.status, { 'Content-Type': 'text/plain', ...(b.status === 429 ? { 'Retry-After': '60' } : {}) }).end(b.body); return; }
    if (b.kind === 'html') { res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>Your IP is hidden</body></html>'); return; }
    const ip = b.reportAddress ?? (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`${ip}\n`);
  };
  const srv = opts.tls ? createHttps(opts.tls, handler) : createHttp(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  st.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
  st.close = () => new Promise((r) => { srv.closeAllConnections(); srv.close(() => r()); });
  return st;
}
