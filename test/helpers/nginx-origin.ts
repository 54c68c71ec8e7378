/**
 * Debian's nginx as an RFC-strict HTTP origin on loopback, for tests where what a real server
 * makes of the door's bytes decides the outcome (request smuggling, connection reuse). Every
 * request it serves is logged as one JSON line with its connection serial number, so a test can
 * count the connections the door opened and see the headers that reached the origin.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.ts';
import { tmpDir } from './tmp-dir.ts';
import { waitFor } from './wait-for.ts';

export interface NginxLogLine {
  /** nginx's connection serial number: distinct values = distinct connections accepted. */
  connection: string;
  request: string;
  status: string;
  xff: string;
  realIp: string;
}

export interface NginxOrigin {
  port: number;
  /** Requests served so far, in order. */
  log(): Promise<NginxLogLine[]>;
}

export interface NginxOriginOptions {
  /** nginx's keepalive_timeout (default 20s, what PMS announces). */
  keepaliveTimeout?: string;
  /** Bytes of the file served at /big (default 0: no such file). */
  bigBytes?: number;
}

export async function nginxOrigin(t: Pick<TestContext, 'after'>, o: NginxOriginOptions = {}): Promise<NginxOrigin> {
  const dir = await tmpDir(t, 'portico-nginx-');
  const port = await freePort();
  if (o.bigBytes) await writeFile(join(dir, 'big'), Buffer.alloc(o.bigBytes, 0x61));
  const conf = `
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  log_format j escape=json '{"connection":"$connection","request":"$request","status":"$status","xff":"$http_x_forwarded_for","realIp":"$http_x_real_ip"}';
  access_log ${dir}/access.log j;
  keepalive_timeout ${o.keepaliveTimeout ?? '20s'};
  keepalive_requests 10000;
  server {
    listen 127.0.0.1:${port};
    root ${dir};
    location = /big { }
    location / { return 200 "origin $request_method $request_uri\\n"; }
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  await writeFile(join(dir, 'access.log'), '');
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d; });
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  await waitFor(`nginx listening on ${port} (${stderr})`, () => new Promise<boolean>((resolve) => {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const s = connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  }));
  return {
    port,
    log: async () => (await readFile(join(dir, 'access.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as NginxLogLine),
  };
}
