import { request } from 'node:http';
import { UiToken } from '../core/ui/ui-token.ts';
import { DataDir } from '../core/support/data-dir.ts';
import type { ArgsOf, Channel, ReturnOf } from '../shared/api.ts';
import type { AppStatus } from '../shared/status.ts';

/** What came back: the answer, nothing listening, or something on that port said no. */
export type ServiceAnswer<T> = { kind: 'ok'; value: T } | { kind: 'down'; reason: string } | { kind: 'refused'; status: number; message: string };

/**
 * Whether this config's `portico serve` runs: it answered (with its status), or why not. Only
 * `running` means the service answered; a command falls back to doing the work itself only on
 * `no-port`, `no-token` or `down`, never after a call through the service failed half-way.
 */
export type ServiceReach =
  | { kind: 'running'; client: ServiceClient; status: AppStatus }
  | { kind: 'no-port' }
  | { kind: 'no-token'; file: string }
  | { kind: 'down'; port: number; reason: string }
  | { kind: 'refused'; port: number; status: number; message: string };

const STATUS_TIMEOUT_MS = 5000;
/** A call may order a certificate (DNS propagation, the CA's validation): minutes, not seconds. */
const CALL_TIMEOUT_MS = 10 * 60_000;

/**
 * Talks to a running `portico serve` through its headless API on 127.0.0.1:<ui.port>, with the
 * session token the service keeps in the data directory, so a CLI command next to a running
 * service asks it instead of opening the same ports or writing the same files.
 */
export class ServiceClient {
  readonly port: number;
  private readonly token: string;

  constructor(port: number, token: string) {
    this.port = port;
    this.token = token;
  }

  /** Find this config's service (ui.port, the token in the data directory) and ask for its status. */
  static async reach(config: { dataDir: string; ui: { port: number } }): Promise<ServiceReach> {
    const port = config.ui.port;
    if (port === 0) return { kind: 'no-port' };
    const token = await UiToken.read(config.dataDir);
    if (!token) return { kind: 'no-token', file: new DataDir(config.dataDir).uiToken };
    const client = new ServiceClient(port, token);
    const r = await client.status();
    return r.kind === 'ok' ? { kind: 'running', client, status: r.value } : { ...r, port };
  }

  status(): Promise<ServiceAnswer<AppStatus>> {
    return this.send('GET', '/api/status', undefined, STATUS_TIMEOUT_MS);
  }

  call<C extends Channel>(channel: C, ...args: ArgsOf<C>): Promise<ServiceAnswer<ReturnOf<C>>> {
    return this.send('POST', `/api/${channel}`, JSON.stringify({ args }), CALL_TIMEOUT_MS);
  }

  private send<T>(method: 'GET' | 'POST', path: string, body: string | undefined, timeoutMs: number): Promise<ServiceAnswer<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Host: `127.0.0.1:${this.port}` };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers, timeout: timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          try {
            const parsed: unknown = JSON.parse(text);
            if (res.statusCode === 200) return resolve({ kind: 'ok', value: parsed as T });
            resolve({ kind: 'refused', status: res.statusCode ?? 0, message: (parsed as { error?: { message?: string } }).error?.message ?? text.slice(0, 200) });
          } catch {
            resolve({ kind: 'refused', status: res.statusCode ?? 0, message: 'the answer was not Portico\'s JSON' });
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'down', reason: e.code ?? e.message }));
      req.end(body);
    });
  }
}

/** Something on the service's port said no: most likely another Portico with another data directory. */
export function refusedText(r: { port: number; status: number; message: string }): string {
  return `the service on 127.0.0.1:${r.port} refused the request (HTTP ${r.status}): ${r.message}. Another Portico with a different data directory may own that port; check "ui.port" and "dataDir"`;
}
