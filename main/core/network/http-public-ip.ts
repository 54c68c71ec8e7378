/**
 * Public address from an HTTP(S) "what is my IP" endpoint that answers with the address as
 * plain text (e.g. https://api.ipify.org, https://icanhazip.com). Only the configured URLs are used.
 */
import { isIP } from 'node:net';
import { httpText } from '../support/http-text.ts';
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

  async lookup(): Promise<string> {
    const fail = (why: string) => new Error(`public address from ${this.url} failed: ${why}; check publicIp.httpEndpoints or try another service`);
    let res;
    try {
      res = await httpText(this.url, { headers: { Accept: 'text/plain' }, timeoutMs: this.timeoutMs, ...(this.ca ? { ca: this.ca } : {}) });
    } catch (e) {
      throw fail((e as Error).message);
    }
    const body = res.body.trim();
    if (res.status !== 200) throw fail(`HTTP ${res.status}${body ? ` (${body.slice(0, 80)})` : ''}`);
    if (!isIP(body)) throw fail(`the answer is not an IP address (${JSON.stringify(body.slice(0, 40))})`);
    return body;
  }
}
