/**
 * `portico cert show [--json]` and `portico cert renew [--force] [--json]`. Show reads the data
 * dir (the service need not run). Renew asks a running `portico serve` to do it through its API
 * (it owns the doors the CA must reach); with no service running it renews standalone, opening the
 * doors on their configured ports for the length of the order (http-01, tls-alpn-01).
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
import { ServiceClient, refusedText } from '../service-client.ts';
import { formatDate } from '../format-date.ts';
import type { Result } from '../../shared/result.ts';

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
  const row = (k: string, v: string | undefined) => { if (v !== undefined) io.out(`  ${k.padEnd(15)} ${v}`); };
  row('state:', s.state);
  row('issuer:', s.issuer);
  row('valid from:', formatDate(s.notBefore));
  row('valid until:', formatDate(s.notAfter));
  row('obtained:', formatDate(s.obtainedAt));
  row('challenge:', s.challenge);
  row(s.lastError ? 'next attempt:' : 'next renewal:', formatDate(s.nextAttemptAt));
  if (s.renewalWindow) row('renewal window:', `${formatDate(s.renewalWindow.start)} to ${formatDate(s.renewalWindow.end)}`);
  if (s.lastError) {
    row('last error:', `${s.lastError.message} (${formatDate(s.lastError.at)})`);
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

  const service = await ServiceClient.reach(cfg);
  if (service.kind === 'refused') {
    io.err(`portico cert renew: ${refusedText(service)}`);
    return EXIT_FAILED;
  }
  if (service.kind === 'running') {
    if (!a.json) io.out(`Asking the running Portico service (127.0.0.1:${service.client.port}) to renew...`);
    const r = await service.client.call('cert:renew', { force: a.force });
    if (r.kind !== 'ok') {
      io.err(`portico cert renew: the running service did not answer the renewal (${r.kind === 'down' ? r.reason : `HTTP ${r.status}: ${r.message}`}); see "portico cert show" for what happened, and the service's log`);
      return EXIT_FAILED;
    }
    const now = r.value.ok ? null : await service.client.status();
    return printRenewal(io, a.json, r.value, r.value.ok ? r.value.value : now?.kind === 'ok' ? now.value.certificates[0] : undefined);
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
    return printRenewal(io, a.json, r, m.getStatus()[0]);
  } finally {
    await door?.stop(100);
  }
}

/** The outcome of a renewal, done here or by the running service, in one shape. */
function printRenewal(io: CliIo, json: boolean, r: Result<CertificateStatus>, s: CertificateStatus | undefined): number {
  if (json) io.out(JSON.stringify(r.ok ? { ok: true, status: s } : { ok: false, error: r.error, status: s }, null, 2));
  else if (r.ok) { if (s) printStatus(s, io); }
  else {
    io.err(`portico cert renew: ${r.error.message}`);
    if (r.error.fix) io.err(`  what to do: ${r.error.fix}`);
  }
  return r.ok ? EXIT_OK : EXIT_FAILED;
}
