/**
 * `portico plex status|signin|apply|verify|undo [--json] [--config FILE]`: Plex Media Server
 * settings from the command line, using the same PlexManager as the app. The token lives in
 * <dataDir>/secrets.json (0600) and is never printed. apply and undo go through a running
 * `portico serve` when there is one (its dashboard and status then know at once); without one
 * they run here, under the same lock the service takes.
 */
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig, type LoadedConfig } from '../load-config.ts';
import { parseCliArgs, reportUsageError } from '../args.ts';
import { systemClock } from '../../core/support/clock.ts';
import { createLogger } from '../../core/support/logger.ts';
import { localTokenSources } from '../../core/plex/local-token.ts';
import { PlexManager, type ApplyOptions } from '../../core/plex/plex-manager.ts';
import { DataDir } from '../../core/support/data-dir.ts';
import type { VerifyOptions } from '../../core/plex/plex-verify.ts';
import { doorHost, throughTheDoor } from '../../core/service/door-check.ts';
import { primaryDomain } from '../../shared/primary-domain.ts';
import type { Check, PrefChange } from '../../shared/api.ts';
import type { AppError, Result } from '../../shared/result.ts';
import { ServiceClient, refusedText } from '../service-client.ts';
import { formatDate } from '../format-date.ts';
import { PIN_APPROVE_WITHIN, TOKEN_SOURCE_WORDS } from '../../shared/plex-words.ts';

const USAGE = [
  'usage: portico plex <status|signin|apply|verify|undo> [--json] [--config FILE]',
  '  status                 what Portico finds: the server, the token, the settings it would change',
  '  signin                 sign in to plex.tv in your browser (only needed when no token is found)',
  '  apply [--manual-port] [--custom-certificate --p12 FILE]',
  '                         change the settings (the p12 passphrase comes from PORTICO_P12_PASSPHRASE)',
  '  verify [--door-url URL] prove it works: settings, remote access, plex.tv, and a request through',
  '                         the door (the config\'s door on this machine unless --door-url names another)',
  '  undo                   put back exactly the values Portico replaced',
];

interface Args { sub: string; json: boolean; config?: string; manualPort: boolean; customCertificate: boolean; p12?: string; doorUrl?: string }

function parseArgs(args: string[], io: CliIo): Args | null {
  const spec = { command: 'plex', usage: USAGE, flags: ['--json', '--manual-port', '--custom-certificate'], options: ['--config', '--p12', '--door-url'], positionals: 1 } as const;
  const p = parseCliArgs(args, spec, io);
  if (!p) return null;
  const sub = p.positionals[0] ?? '';
  const problem = !['status', 'signin', 'apply', 'verify', 'undo'].includes(sub) ? (sub ? `unknown subcommand "${sub}"` : 'missing subcommand')
    : p.flags['--custom-certificate'] && sub !== 'apply' ? '--custom-certificate only goes with apply' : null;
  if (problem) {
    reportUsageError(io, spec, problem);
    return null;
  }
  return {
    sub, json: p.flags['--json'], manualPort: p.flags['--manual-port'], customCertificate: p.flags['--custom-certificate'],
    config: p.options['--config'], p12: p.options['--p12'], doorUrl: p.options['--door-url'],
  };
}

function printError(io: CliIo, json: boolean, what: string, e: AppError): number {
  if (json) io.out(JSON.stringify({ ok: false, error: e }, null, 2));
  else {
    io.err(`portico plex ${what}: ${e.message}`);
    if (e.fix) io.err(`  what to do: ${e.fix}`);
  }
  return EXIT_FAILED;
}

function changeLines(changes: PrefChange[]): string[] {
  return changes.map((c) => `  ${c.label} (${c.id}): ${c.before} -> ${c.after}`);
}

function checkLines(checks: Check[]): string[] {
  const out: string[] = [];
  for (const c of checks) {
    out.push(`${c.ok === true ? 'ok  ' : c.ok === false ? 'FAIL' : '--  '} ${c.title}: ${c.detail}`);
    if (c.fix && c.ok !== true) out.push(`     what to do: ${c.fix}`);
  }
  return out;
}

export async function plex(args: string[], io: CliIo): Promise<number> {
  const a = parseArgs(args, io);
  if (!a) return EXIT_USAGE;
  const loaded = await loadConfig(a.config, io);
  if (!loaded) return EXIT_USAGE;
  const { config } = loaded;
  const logger = createLogger({ level: io.env.PORTICO_LOG_LEVEL === 'debug' ? 'debug' : 'warn' });
  const m = PlexManager.fromConfig(config, {
    secrets: loaded.secrets,
    logger,
    clock: systemClock,
    tokenSources: localTokenSources({ env: io.env }),
    // Test hook: point plex.tv at a stand-in (never needed by users).
    ...(io.env.PORTICO_PLEX_TV_URL ? { plexTvBaseUrl: io.env.PORTICO_PLEX_TV_URL } : {}),
  });

  if (a.sub === 'status') {
    const d = await m.discover();
    const plan = d.tokenValid ? await m.plan({ manualPort: false, customCertificate: false }) : null;
    const status = m.getStatus();
    if (a.json) {
      io.out(JSON.stringify({ discovery: d, status, wouldChange: plan?.ok ? plan.value : null, undoFile: new DataDir(config.dataDir).plexUndo }, null, 2));
      return d.found && d.tokenValid ? EXIT_OK : EXIT_FAILED;
    }
    io.out(d.found ? `Plex Media Server: found at ${d.url} (version ${d.version}, server ${d.machineIdentifier})` : `Plex Media Server: not found at ${d.url}`);
    const origin = TOKEN_SOURCE_WORDS[d.token];
    if (d.found) io.out(`Plex token: ${origin}${d.token !== 'none' ? (d.tokenValid ? ' (accepted by the server)' : ' (not accepted)') : ''}`);
    if (plan?.ok) {
      io.out(`Portico's settings: ${plan.value.length === 0 ? 'applied' : 'not applied'}`);
      if (plan.value.length) { io.out('"portico plex apply" would change:'); for (const l of changeLines(plan.value)) io.out(l); }
    }
    if (d.error) return printError(io, false, 'status', d.error);
    return EXIT_OK;
  }

  if (a.sub === 'signin') {
    const start = await m.startPinSignIn();
    if (!start.ok) return printError(io, a.json, 'signin', start.error);
    if (a.json) io.out(JSON.stringify({ authUrl: start.value.authUrl, expiresAt: start.value.expiresAt }));
    else {
      io.out('Open this address in your browser and sign in with the Plex account that owns this server:');
      io.out(`  ${start.value.authUrl}`);
      io.out(`Waiting (until ${formatDate(start.value.expiresAt)})...`);
    }
    const everyMs = Number(io.env.PORTICO_PIN_POLL_MS ?? 1000);
    for (;;) {
      const r = await m.pollPinSignIn();
      if (!r.ok) return printError(io, a.json, 'signin', r.error);
      if (r.value.state === 'signed-in') { io.out(a.json ? JSON.stringify({ ok: true, state: 'signed-in' }) : 'Signed in. The token is kept in the secret store.'); return EXIT_OK; }
      if (r.value.state === 'expired') {
        return printError(io, a.json, 'signin', { code: 'plex-signin-expired', message: 'The sign-in code expired before it was approved.', fix: `Run "portico plex signin" again and approve it in the browser ${PIN_APPROVE_WITHIN}.` });
      }
      await new Promise((res) => setTimeout(res, everyMs));
    }
  }

  if (a.sub === 'apply' || a.sub === 'undo') {
    const service = await ServiceClient.reach(config);
    if (service.kind === 'refused') return printError(io, a.json, a.sub, { code: 'service-refused', message: refusedText(service) });
    if (service.kind === 'running') {
      if (a.p12) {
        io.err('portico plex apply: "portico serve" is running and applies the certificate it exports itself; drop --p12 (and PORTICO_P12_PASSPHRASE), or stop the service first');
        return EXIT_USAGE;
      }
      if (!a.json) io.out(`Asking the running Portico service (127.0.0.1:${service.client.port}) to ${a.sub === 'apply' ? 'apply the settings' : 'undo the settings'}...`);
      const r = a.sub === 'apply'
        ? await service.client.call('plex:apply', { manualPort: a.manualPort, customCertificate: a.customCertificate })
        : await service.client.call('plex:undo');
      if (r.kind !== 'ok') {
        return printError(io, a.json, a.sub, {
          code: 'service-no-answer',
          message: `The running service did not answer (${r.kind === 'down' ? r.reason : `HTTP ${r.status}: ${r.message}`}).`,
          fix: 'Look at "portico plex status" to see what Plex Media Server has now, and at the service\'s log.',
        });
      }
      return a.sub === 'apply' ? reportApply(io, a.json, r.value) : reportUndo(io, a.json, r.value);
    }
  }

  if (a.sub === 'apply') {
    const opts: ApplyOptions = { manualPort: a.manualPort, customCertificate: a.customCertificate };
    if (a.customCertificate) {
      const passphrase = io.env.PORTICO_P12_PASSPHRASE;
      if (!a.p12 || passphrase === undefined) {
        io.err('portico plex apply: --custom-certificate needs --p12 FILE (the PKCS#12 export) and its passphrase in PORTICO_P12_PASSPHRASE');
        return EXIT_USAGE;
      }
      logger.addSecret(passphrase);
      opts.certificate = { path: a.p12, passphrase, domain: config.domains[0]! };
    }
    return reportApply(io, a.json, await m.apply(opts));
  }

  if (a.sub === 'undo') return reportUndo(io, a.json, await m.undo());

  const checks = await m.verify(verifyOptions(config, a.doorUrl));
  if (a.json) io.out(JSON.stringify({ ok: checks.every((c) => c.ok !== false), checks }, null, 2));
  else for (const l of checkLines(checks)) io.out(l);
  return checks.some((c) => c.ok === false) ? EXIT_FAILED : EXIT_OK;
}

/**
 * Where verify sends its request through the door: --door-url when given, else the door the config
 * names (its first HTTPS port on this machine, as https://<domain>), so no flag is needed.
 */
function verifyOptions(config: LoadedConfig['config'], doorUrl: string | undefined): VerifyOptions {
  if (doorUrl) return { doorUrl };
  const domain = primaryDomain(config.domains);
  const port = config.door.httpsPorts[0];
  if (!domain || port === undefined) return {};
  const host = doorHost(config.door.bind);
  return { doorProbe: throughTheDoor({ host, port, domain }), doorWhere: `https://${domain} through the door at ${host}:${port}` };
}

const reportApply = (io: CliIo, json: boolean, r: Result<PrefChange[]>) => report(io, json, 'apply', r, 'Changed in Plex Media Server:', 'Nothing to change: Plex Media Server already has Portico\'s settings.');
const reportUndo = (io: CliIo, json: boolean, r: Result<PrefChange[]>) => report(io, json, 'undo', r, 'Restored in Plex Media Server:', 'Nothing to undo: Portico has no changes on record.');

function report(io: CliIo, json: boolean, what: string, r: Result<PrefChange[]>, title: string, none: string): number {
  if (!r.ok) return printError(io, json, what, r.error);
  if (json) io.out(JSON.stringify({ ok: true, changes: r.value }, null, 2));
  else if (r.value.length === 0) io.out(none);
  else { io.out(title); for (const l of changeLines(r.value)) io.out(l); }
  return EXIT_OK;
}
