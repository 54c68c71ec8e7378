import { join } from 'node:path';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { createLogger, type LogLevel } from '../../core/logger.ts';
import { systemClock } from '../../core/clock.ts';
import { FileSecretStore } from '../../core/secret-store.ts';
import { Service } from '../../core/service.ts';
import { DoorStartError } from '../../core/proxy/door.ts';

/** WAN port the router should map to each HTTPS door, in order (first: 443, second: 32400 for hard-wired clients). */
const WAN_FOR_HTTPS = (publicHttpsPort: number, i: number) => (i === 0 ? publicHttpsPort : i === 1 ? 32400 : null);

/** `portico serve --config FILE`: run the service headless until SIGINT/SIGTERM. */
export async function serve(args: string[], io: CliIo): Promise<number> {
  let configPath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config' && args[i + 1]) configPath = args[++i];
    else if (args[i]?.startsWith('--config=')) configPath = args[i]!.slice('--config='.length);
    else {
      io.err(`portico serve: unknown option "${args[i]}"; usage: portico serve --config FILE`);
      return EXIT_USAGE;
    }
  }
  const loaded = await loadConfig(configPath, io);
  if (!loaded) return EXIT_USAGE;
  const { config } = loaded;

  const level = (['debug', 'info', 'warn', 'error'] as const).find((l) => l === io.env.PORTICO_LOG_LEVEL) ?? ('info' satisfies LogLevel);
  const logger = createLogger({ level });
  logger.addSecret(config.plex.token);
  const service = new Service({ config, logger, clock: systemClock, secrets: new FileSecretStore(join(config.dataDir, 'secrets.json')) });

  try {
    await service.start();
  } catch (e) {
    if (e instanceof DoorStartError) io.err(`portico serve: ${e.message}; ${e.fix}`);
    else io.err(`portico serve: could not start (${(e as Error).message}); check the data directory ${config.dataDir} is writable`);
    await service.stop(0).catch(() => {});
    return EXIT_FAILED;
  }

  const ports = service.door.ports();
  const bind = config.door.bind;
  ports.https.forEach((p, i) => {
    const wan = WAN_FOR_HTTPS(config.door.publicHttpsPort, i);
    io.out(`HTTPS door: ${bind}:${p}${wan === null ? '' : ` (router: WAN ${wan} -> this machine:${p})`}`);
  });
  if (ports.http !== null) io.out(`HTTP door:  ${bind}:${ports.http} (router: WAN 80 -> this machine:${ports.http})`);
  for (const r of service.door.getStatus().routes) io.out(`route: https://${r.host} -> ${r.upstream} (${r.certificate} certificate)`);
  io.out(`other TLS (plex.direct, unknown names, no SNI) -> ${new URL(config.plex.url).hostname}:${config.plex.tlsPort}`);
  io.out('Press Ctrl+C to stop.');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  io.err(`portico serve: ${signal}: stopping (open streams get up to 10 s; signal again to stop now)`);
  const force = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.race([service.stop(), force.then(() => service.stop(0))]);
  io.err('portico serve: stopped');
  return EXIT_OK;
}
