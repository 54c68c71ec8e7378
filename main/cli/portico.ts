import { processIo, EXIT_USAGE, type CliIo } from './io.ts';

export type Command = (args: string[], io: CliIo) => Promise<number>;

/** Commands are loaded lazily so `portico status` does not pay for the proxy or the ACME client. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run the service headless, with the dashboard on 127.0.0.1 (serve --config FILE)', load: async () => (await import('./commands/serve.ts')).serve },
  status: { summary: 'print the status of a running service (status [--json])', load: async () => (await import('./commands/status.ts')).status },
  doctor: { summary: 'diagnose router, ports, DNS and reachability (doctor [--json])', load: async () => (await import('./commands/doctor.ts')).doctor },
  cert: { summary: 'show or renew the certificate (cert show [--json] | cert renew [--force])', load: async () => (await import('./commands/cert.ts')).cert },
  'ui-password': { summary: 'set the password of the dashboard on your network, read from a prompt or stdin', load: async () => (await import('./commands/ui-password.ts')).uiPassword },
  'ui-link': { summary: 'print the dashboard link, or make a new one (ui-link [--rotate])', load: async () => (await import('./commands/ui-link.ts')).uiLink },
  plex: { summary: 'Plex Media Server settings (plex status|signin|apply|verify|undo [--json])', load: async () => (await import('./commands/plex.ts')).plex },
};

function usage(io: CliIo): void {
  io.err('usage: portico <command> [options]');
  io.err('');
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  for (const [name, c] of Object.entries(COMMANDS)) io.err(`  ${name.padEnd(width)} ${c.summary}`);
  io.err('');
  io.err('Every command takes --config FILE (or PORTICO_CONFIG). See README.md.');
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? 0 : EXIT_USAGE;
  }
  if (name === '--version' || name === '-v') {
    const { porticoVersion } = await import('../core/support/version.ts');
    io.out(porticoVersion());
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`portico: unknown command "${name}"`);
    usage(io);
    return EXIT_USAGE;
  }
  return (await cmd.load())(rest, io);
}
