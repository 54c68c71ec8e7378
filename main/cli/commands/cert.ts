/**
 * `portico cert show [--json]` and `portico cert renew [--force] [--json]`, run standalone
 * against the data dir (the service need not run). Renewing with http-01 or tls-alpn-01 opens
 * the doors on their configured ports for the length of the order, since the CA must reach them.
 */
import { ChallengeStore } from '../../core/certs/challenge-store.ts';
import { systemClock } from '../../core/support/clock.ts';
import { createLogger, type LogRecord } from '../../core/support/logger.ts';
import { CertManager } from '../../core/certs/cert-manager.ts';
import { Door, DoorStartError } from '../../core/proxy/door.ts';
import type { CertificateStatus } from '../../shared/status/certificates.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig, type LoadedConfig } from '../load-config.ts';
import { parseCliArgs, reportUsageError } from '../args.ts';

const USAGE = ['usage: portico cert show [--json] [--config FILE] | portico cert renew [--force] [--json] [--config FILE]'];

interface Args { sub: 'show' | 'renew'; json: boolean; force: boolean; config?: string }

function parseArgs(args: string[], io: CliIo): Args | null {
  const [sub, ...rest] = args;
  if (sub !== 'show' && sub !== 'renew') {
    reportUsageError(io, { command: 'cert', usage: USAGE }, `expected "show" or "renew"${sub ? `, not "${sub}"` : ''}`);
    return null;
  }
  // --force only means something to renew.
  const p = parseCliArgs(rest, { command: 'cert', usage: USAGE, flags: sub === 'renew' ? ['--json', '--force'] : ['--json'], options: ['--config'] }, io);
  return p && { sub, json: p.flags['--json'], force: p.flags['--force'] ?? false, config: p.options['--config'] };
}

function printStatus(s: CertificateStatus, io: CliIo): void {
  io.out(`Certificate for ${s.domains.join(', ')}`);
  const row = (k: string, v: string | undefined) => { if (v !== undefined) io.out(`  ${k.padEnd(13)} ${v}`); };
  row('state:', s.state);
  row('issuer:', s.issuer);
  row('valid from:', s.notBefore);
  row('valid until:', s.notAfter);
  row('challenge:', s.challenge);
  row(s.lastError ? 'next attempt:' : 'next renewal:', s.nextAttemptAt);
  if (s.lastError) {
    row('last error:', `${s.lastError.message} (${s.lastError.at})`);
    row('what to do:', s.lastError.fix);
  }
}

function managerFor({ config: cfg, secrets }: LoadedConfig, io: CliIo, challenges: ChallengeStore, door: Door | null): CertManager {
  const logger = createLogger({ level: 'warn', sink: (r: LogRecord) => io.err(`${r.level}: ${r.msg}${r.fields?.message ? ` (${String(r.fields.message)})` : ''}`) });
  return CertManager.fromConfig(cfg, { secrets, challenges, clock: systemClock, logger, onCertificate: (hosts, pem, kind) => door?.setCertificate(hosts, pem, kind) });
}

export async function cert(args: string[], io: CliIo): Promise<number> {
  const a = parseArgs(args, io);
  if (!a) return EXIT_USAGE;
  const loaded = await loadConfig(a.config, io);
  if (!loaded) return EXIT_USAGE;
  const cfg = loaded.config;

  if (a.sub === 'show') {
    const [s] = await managerFor(loaded, io, new ChallengeStore(), null).load();
    if (a.json) io.out(JSON.stringify(s, null, 2));
    else printStatus(s!, io);
    return EXIT_OK;
  }

  const challenges = new ChallengeStore();
  const needsDoor = cfg.acme.challenge !== 'dns-01' && !cfg.domains.every((d) => d.startsWith('*.'));
  let door: Door | null = null;
  if (needsDoor) {
    door = new Door({
      bind: cfg.door.bind, httpsPorts: cfg.door.httpsPorts, httpPort: cfg.door.httpPort, publicHttpsPort: cfg.door.publicHttpsPort,
      routes: [], passthrough: { host: '127.0.0.1', port: cfg.plex.tlsPort }, challenges, logger: createLogger({ level: 'error', sink: () => {} }),
    });
    try {
      await door.start();
    } catch (e) {
      if (e instanceof DoorStartError && e.code === 'port-in-use') {
        io.err(`portico cert renew: ${e.message}. If "portico serve" is running, it renews by itself (see "portico cert show"); otherwise ${e.fix}.`);
      } else {
        io.err(`portico cert renew: cannot open the doors to answer the CA's challenge: ${(e as Error).message}`);
      }
      return EXIT_FAILED;
    }
  }
  try {
    const m = managerFor(loaded, io, challenges, door);
    await m.load();
    const r = await m.renewNow({ force: a.force });
    const s = m.getStatus()[0]!;
    if (a.json) io.out(JSON.stringify(r.ok ? { ok: true, status: s } : { ok: false, error: r.error, status: s }, null, 2));
    else if (r.ok) printStatus(s, io);
    else {
      io.err(`portico cert renew: ${r.error.message}`);
      if (r.error.fix) io.err(`  what to do: ${r.error.fix}`);
    }
    return r.ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    await door?.stop(100);
  }
}
