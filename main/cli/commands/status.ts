import { EXIT_FAILED, EXIT_NOT_OK, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { parseCliArgs } from '../args.ts';
import { ServiceClient, refusedText } from '../service-client.ts';
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
  const start = `start it with \`portico serve --config ${loaded.path}\``;
  const r = await ServiceClient.reach(loaded.config);
  if (r.kind === 'no-port') {
    io.err('portico status: ui.port is 0 (a free port picked at start), so the running service cannot be found; set a fixed "ui": {"port": 8765} in the config and restart `portico serve`');
    return EXIT_FAILED;
  }
  if (r.kind === 'no-token') {
    io.err(`portico status: Portico is not running with this config (no ${r.file}); ${start}`);
    return EXIT_FAILED;
  }
  if (r.kind === 'down') {
    io.err(`portico status: Portico is not running (nothing answers on 127.0.0.1:${r.port}: ${r.reason}); ${start}`);
    return EXIT_FAILED;
  }
  if (r.kind === 'refused') {
    io.err(`portico status: ${refusedText(r)}`);
    return EXIT_FAILED;
  }
  if (json) io.out(JSON.stringify(r.status, null, 2));
  else for (const line of summary(r.status)) io.out(line);
  return r.status.health.state === 'ok' ? EXIT_OK : EXIT_NOT_OK;
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
