/**
 * Public address from an HTTP(S) "what is my IP" endpoint that answers with the address as
 * plain text (e.g. https://api.ipify.org, https://icanhazip.com). Only the configured URLs are used.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { PublicIpProvider } from './public-ip-provider.ts';

export class HttpPublicIp implements PublicIpProvider {
  readonly name: string;
  private readonly url: string;
  private readonly ca?: string;
  private readonly timeoutMs: number;

  constructor(url: string, opts: { ca?: string; timeoutMs?: number } = {}) {
    this.url = url;
    this.name = `HTTP ${url}`;
    this.ca = opts.ca;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  lookup(): Promise<string> {
    const u = new URL(this.url);
    const fail = (why: string) => new Error(`public address from ${this.url} failed: ${why}; check publicIp.httpEndpoints or try another service`);
    return new Promise((resolve, reject) => {
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: this.timeoutMs, headers: { Accept: 'text/plain' }, ...(this.ca ? { ca: this.ca } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { if (body.length < 1024) body += c; });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(fail(`HTTP ${res.statusCode}${body ? ` (${body.trim().slice(0, 80)})` : ''}`));
          const ip = body.trim();
          if (!isIP(ip)) return reject(fail(`the answer is not an IP address (${JSON.stringify(ip.slice(0, 40))})`));
          resolve(ip);
        });
        res.on('error', (e) => reject(fail(e.message)));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(fail(e.message)));
      req.end();
    });
  }
}
