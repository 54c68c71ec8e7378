import { request } from 'node:http';

/** What a call to the running service's API came to: its JSON answer, nothing listening, or a refusal. */
export type ServiceAnswer =
  | { kind: 'ok'; value: unknown }
  | { kind: 'down'; reason: string }
  | { kind: 'refused'; status: number; message: string };

/**
 * One call to the API of the `portico serve` that runs with this config, on 127.0.0.1:<ui.port>
 * with the session token: what the dashboard would call. `channel` null is GET /api/status.
 */
export function callRunningService(port: number, token: string, channel: string | null, args: unknown[] = []): Promise<ServiceAnswer> {
  const body = channel === null ? undefined : JSON.stringify({ args });
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1', port, method: channel === null ? 'GET' : 'POST', path: channel === null ? '/api/status' : `/api/${channel}`, timeout: 5000,
      headers: { Authorization: `Bearer ${token}`, Host: `127.0.0.1:${port}`, ...(body ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          const parsed: unknown = JSON.parse(text);
          if (res.statusCode === 200) return resolve({ kind: 'ok', value: parsed });
          resolve({ kind: 'refused', status: res.statusCode ?? 0, message: (parsed as { error?: { message?: string } }).error?.message ?? text.slice(0, 200) });
        } catch {
          resolve({ kind: 'refused', status: res.statusCode ?? 0, message: 'the answer was not Portico\'s JSON' });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'down', reason: e.code ?? e.message }));
    req.end(body);
  });
}
