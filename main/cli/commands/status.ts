import { request } from 'node:http';
import { EXIT_FAILED, EXIT_NOT_OK, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { parseCliArgs } from '../args.ts';
import { UiToken } from '../../core/ui/ui-token.ts';
import { DataDir } from '../../core/support/data-dir.ts';
import type { AppStatus } from '../../shared/status.ts';
import { HEALTH_WORD } from '../../shared/health.ts';

/**
 * `portico status [--json] --config FILE`: asks the running service (its UI API on 127.0.0.1)
 * rather than recomputing anything, so it shows exactly what the dashboard shows. The exit code
 * follows the verdict: 0 only when the health is "ok", EXIT_NOT_OK (3) while it is anything else.
 */
export async function status(args: string[], io: CliIo): Promise<number> {
  const a = parseCliArgs(args, { command: 'status', usage: 'portico status [--json] --config FILE', flags: ['--json'], options: ['--config'] }, io);
  if (!a) return EXIT_USAGE;
  const json = a.flags['--json'];
  const loaded = await loadConfig(a.options['--config'], io, { requireDomains: false });
  if (!loaded) return EXIT_USAGE;
  const { dataDir, ui } = loaded.config;
  const start = `start it with \`portico serve --config ${loaded.path}\``;
  if (ui.port === 0) {
    io.err('portico status: ui.port is 0 (a free port picked at start), so the running service cannot be found; set a fixed "ui": {"port": 8765} in the config and restart `portico serve`');
    return EXIT_FAILED;
  }
  const token = await UiToken.read(dataDir);
  if (!token) {
    io.err(`portico status: Portico is not running with this config (no ${new DataDir(dataDir).uiToken}); ${start}`);
    return EXIT_FAILED;
  }
  const r = await getStatus(ui.port, token);
  if (r.kind === 'down') {
    io.err(`portico status: Portico is not running (nothing answers on 127.0.0.1:${ui.port}: ${r.reason}); ${start}`);
    return EXIT_FAILED;
  }
  if (r.kind === 'refused') {
    io.err(`portico status: the service on 127.0.0.1:${ui.port} refused the request (HTTP ${r.status}): ${r.message}. Another Portico with a different data directory may own that port; check "ui.port" and "dataDir"`);
    return EXIT_FAILED;
  }
  if (json) io.out(JSON.stringify(r.status, null, 2));
  else for (const line of summary(r.status)) io.out(line);
  return r.status.health.state === 'ok' ? EXIT_OK : EXIT_NOT_OK;
}

type Answer = { kind: 'ok'; status: AppStatus } | { kind: 'down'; reason: string } | { kind: 'refused'; status: number; message: string };

function getStatus(port: number, token: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/status', headers: { Authorization: `Bearer ${token}`, Host: `127.0.0.1:${port}` }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          const parsed: unknown = JSON.parse(body);
          if (res.statusCode === 200) return resolve({ kind: 'ok', status: parsed as AppStatus });
          resolve({ kind: 'refused', status: res.statusCode ?? 0, message: (parsed as { error?: { message?: string } }).error?.message ?? body.slice(0, 200) });
        } catch {
          resolve({ kind: 'refused', status: res.statusCode ?? 0, message: 'the answer was not Portico\'s JSON' });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'down', reason: e.code ?? e.message }));
    req.end();
  });
}

const day = (iso: string | undefined) => (iso ? iso.slice(0, 10) : '?');

/** A short human summary: one line per area, the verdict first. */
function summary(s: AppStatus): string[] {
  const lines = [`Portico ${s.version}${s.demo ? ' (demo)' : ''}: ${HEALTH_WORD[s.health.state]} - ${s.health.reason}`];
  const listeners = s.door.listeners.map((l) => `${l.kind.toUpperCase()} ${l.port}${l.listening ? '' : ' (not listening)'}`).join(', ');
  lines.push(`  Door:         ${s.door.state}${listeners ? ` (${listeners})` : ''}${s.door.error ? ` - ${s.door.error.message}` : ''}`);
  if (s.certificates.length === 0) lines.push('  Certificate:  none yet');
  for (const c of s.certificates) {
    const when = c.state === 'valid' || c.state === 'expiring' ? ` until ${day(c.notAfter)}${c.nextAttemptAt ? `, renews from ${day(c.nextAttemptAt)}` : ''}` : '';
    lines.push(`  Certificate:  ${c.domains.join(', ')} ${c.state}${c.staging ? ' (staging)' : ''}${when}${c.lastError ? ` - ${c.lastError.message}` : ''}`);
  }
  lines.push(`  Plex:         ${s.plex.state} at ${s.plex.url}${s.plex.applied ? ' (settings applied)' : ''}${s.plex.error ? ` - ${s.plex.error.message}` : ''}`);
  const maps = s.router.mappings.filter((m) => m.state === 'mapped').map((m) => `${m.transport} ${m.externalPort} -> ${m.internalClient}:${m.internalPort}`).join(', ');
  lines.push(`  Router:       ${s.router.state}${maps ? ` (${maps})` : ''}`);
  if (s.health.action) lines.push(`  Next:         ${s.health.action}`);
  return lines;
}
