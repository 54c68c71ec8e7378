import { request } from 'node:http';

export interface HttpReply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/**
 * One plain HTTP request with full control of the headers fetch() would set itself (Host, Origin,
 * Cookie) and of the address it leaves from (`from`), for tests of the dashboard's guards.
 */
export function httpCall(host: string, port: number, method: string, path: string, o: { headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const r = request({ host, port, method, path, localAddress: o.from, headers: { Host: `${host}:${port}`, ...o.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.end(o.body);
  });
}
