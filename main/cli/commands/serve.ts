import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { parseCliArgs } from '../args.ts';
import { createLogger, type LogLevel } from '../../core/support/logger.ts';
import { systemClock } from '../../core/support/clock.ts';
import { Service } from '../../core/service/service.ts';
import { DoorStartError } from '../../core/proxy/door.ts';
import { HeadlessUi } from '../../core/ui/headless-ui.ts';
import { forwarding } from '../../shared/forwarding.ts';
import { DataDir } from '../../core/support/data-dir.ts';

/**
 * `portico serve --config FILE`: the whole service and its dashboard on 127.0.0.1:<ui.port> (and,
 * when turned on, behind a password on the local network at ui.lan.port), until SIGINT/SIGTERM.
 * A config without domains starts "setup pending": the wizard chooses one.
 */
export async function serve(args: string[], io: CliIo): Promise<number> {
  const a = parseCliArgs(args, { command: 'serve', usage: 'portico serve --config FILE', options: ['--config'] }, io);
  if (!a) return EXIT_USAGE;
  const loaded = await loadConfig(a.options['--config'], io, { requireDomains: false });
  if (!loaded) return EXIT_USAGE;

  const level = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === io.env.PORTICO_LOG_LEVEL) ?? ('info' satisfies LogLevel);
  const logger = createLogger({ level });
  const { dataDir } = loaded.config;
  try {
    if ((await new DataDir(dataDir).ensure()).repaired) logger.warn('the data directory could be written by other users; made it private (0700)', { dataDir });
  } catch (e) {
    io.err(`portico serve: ${(e as Error).message}`);
    return EXIT_FAILED;
  }
  // A config written by hand that names a domain is a finished setup: certificates and router
  // mappings start at once. With no domain yet, the dashboard's wizard finishes the setup.
  const service = new Service({ configStore: loaded.store, dataDir, logger, clock: systemClock, secrets: loaded.secrets, beginAtStart: true });
  const config = service.configStore.get();
  logger.addSecret(config.plex.token);

  let ui: HeadlessUi;
  try {
    await service.start();
    ui = await HeadlessUi.start({
      ...service.api, service, dataDir, port: config.ui.port, staticDir: HeadlessUi.defaultStaticDir(), logger,
      lan: { config: () => service.configStore.get().ui.lan, setEnabled: (on) => service.configStore.setUiLanEnabled(on) },
    });
  } catch (e) {
    if (e instanceof DoorStartError) io.err(`portico serve: ${e.message}; ${e.fix}`);
    else if (/dashboard could not listen/.test((e as Error).message)) io.err(`portico serve: ${(e as Error).message}`);
    else io.err(`portico serve: could not start (${(e as Error).message}); check the data directory ${dataDir} is writable`);
    await service.stop(0).catch(() => {});
    return EXIT_FAILED;
  }

  const ports = service.door.ports();
  const bind = config.door.bind;
  const forwards = forwarding({ publicHttpsPort: config.door.publicHttpsPort, httpsPorts: ports.https, httpPort: ports.http, mapPlexPort: config.router.mapPlexPort });
  const wanFor = (port: number) => forwards.find((f) => f.internalPort === port);
  const doorLine = (label: string, p: number) => {
    const f = wanFor(p);
    io.out(`${label} ${bind}:${p}${f ? ` (router: WAN ${f.externalPort} -> this machine:${p})` : ''}`);
  };
  for (const p of ports.https) doorLine('HTTPS door:', p);
  if (ports.http !== null) doorLine('HTTP door: ', ports.http);
  for (const r of service.door.getStatus().routes) io.out(`route: https://${r.host} -> ${r.upstream} (${r.certificate} certificate)`);
  io.out(`plex.direct (${service.door.getStatus().passthrough.names ?? '*.plex.direct'}) -> ${new URL(config.plex.url).hostname}:${config.plex.tlsPort}; other names and no SNI: refused`);
  if (config.domains.length === 0) io.out('Setup not finished: no domain yet. Open the dashboard to choose your domain.');
  io.out(`Dashboard: ${ui.url}`);
  const lan = await ui.lan!.view();
  if (lan.urls.length) io.out(`Dashboard on your network (password, plain http: trusted home network only): ${lan.urls.join(' ')}`);
  if (lan.problem) io.out(`Dashboard on your network: not open. ${lan.problem}${lan.passwordSet ? '' : ' Set one with `portico ui-password --config FILE`.'}`);
  io.out('Press Ctrl+C to stop.');

  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  io.err(`portico serve: ${signal}: stopping (open streams get up to 10 s; signal again to stop now)`);
  const force = new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await ui.stop().catch(() => {});
  await Promise.race([service.stop(), force.then(() => service.stop(0))]);
  io.err('portico serve: stopped');
  return EXIT_OK;
}
