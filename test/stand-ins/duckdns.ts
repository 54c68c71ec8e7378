/**
 * Stand-in for DuckDNS's update endpoint (https://www.duckdns.org/spec.jsp), an internet API:
 * GET /update?domains=&token=&[txt=|ip=|ipv6=][&clear=true][&verbose=true]. Answers `OK` or
 * `KO` (bad token or foreign domain) with HTTP 200, as DuckDNS does; verbose adds the values
 * and UPDATED/NOCHANGE. One TXT value per domain, as on DuckDNS.
 */
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';

export interface DuckDnsStandIn {
  apiBase: string;
  token: string;
  /** subdomain -> records */
  domains: Map<string, { txt: string; ip: string; ipv6: string }>;
  requests: URL[];
  stop(): Promise<void>;
}

export async function startDuckDns(subdomains: string[] = ['portico']): Promise<DuckDnsStandIn> {
  const token = randomUUID();
  const domains = new Map(subdomains.map((d) => [d, { txt: '', ip: '', ipv6: '' }]));
  const requests: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url);
    const reply = (s: string) => { res.writeHead(200, { 'content-type': 'text/plain;charset=UTF-8' }); res.end(s); };
    if (url.pathname !== '/update') { res.writeHead(404); return res.end(); }
    const names = (url.searchParams.get('domains') ?? '').split(',').map((d) => d.replace(/\.duckdns\.org$/, ''));
    if (url.searchParams.get('token') !== token || names.length === 0 || names.some((d) => !domains.has(d))) return reply('KO');
    const verbose = url.searchParams.get('verbose') === 'true';
    let changed = false;
    for (const d of names) {
      const rec = domains.get(d)!;
      const before = JSON.stringify(rec);
      if (url.searchParams.has('txt')) rec.txt = url.searchParams.get('clear') === 'true' ? '' : url.searchParams.get('txt') ?? '';
      else if (url.searchParams.get('clear') === 'true') { rec.ip = ''; rec.ipv6 = ''; }
      else {
        if (url.searchParams.has('ip')) rec.ip = url.searchParams.get('ip') || (req.socket.remoteAddress ?? '');
        if (url.searchParams.has('ipv6')) rec.ipv6 = url.searchParams.get('ipv6') ?? '';
      }
      changed ||= before !== JSON.stringify(rec);
    }
    const first = domains.get(names[0]!)!;
    reply(verbose ? `OK\n${url.searchParams.has('txt') ? first.txt : first.ip}\n${first.ipv6}\n${changed ? 'UPDATED' : 'NOCHANGE'}` : 'OK');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { apiBase: `http://127.0.0.1:${port}`, token, domains, requests, stop: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
