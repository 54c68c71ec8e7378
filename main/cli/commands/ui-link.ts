import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { parseCliArgs } from '../args.ts';
import { ServiceClient } from '../service-client.ts';
import { UiToken } from '../../core/ui/ui-token.ts';
import { DataDir } from '../../core/support/data-dir.ts';

/**
 * `portico ui-link [--rotate] --config FILE`: the dashboard link, from the token file (the link
 * stays the same across restarts, so this works whether or not `serve` runs). `--rotate` makes a
 * new one: through the running service when there is one (it takes the new token at once),
 * else in the file, which the next `serve` reads.
 */
export async function uiLink(args: string[], io: CliIo): Promise<number> {
  const a = parseCliArgs(args, { command: 'ui-link', usage: 'portico ui-link [--rotate] --config FILE', flags: ['--rotate'], options: ['--config'] }, io);
  if (!a) return EXIT_USAGE;
  const loaded = await loadConfig(a.options['--config'], io, { requireDomains: false });
  if (!loaded) return EXIT_USAGE;
  const { dataDir, ui } = loaded.config;
  if (ui.port === 0) {
    io.err('portico ui-link: ui.port is 0 (a free port picked at every start), so no link stays valid; set a fixed "ui": {"port": 8765} in the config and restart `portico serve`');
    return EXIT_FAILED;
  }
  try {
    await new DataDir(dataDir).ensure();
  } catch (e) {
    io.err(`portico ui-link: ${(e as Error).message}`);
    return EXIT_FAILED;
  }
  if (!a.flags['--rotate']) {
    io.out(UiToken.link(ui.port, (await UiToken.load(dataDir)).token));
    return EXIT_OK;
  }
  const current = await UiToken.read(dataDir);
  if (current) {
    const r = await new ServiceClient(ui.port, current).call('ui:rotate-link');
    if (r.kind === 'ok') {
      const answer = r.value;
      if (answer.ok) {
        io.out(answer.value.url);
        io.err('portico ui-link: new link made; the running service refuses the old one from now on');
        return EXIT_OK;
      }
      io.err(`portico ui-link: the running service did not rotate the link: ${answer.error.message}`);
      return EXIT_FAILED;
    }
    if (r.kind === 'down' && r.reason !== 'ECONNREFUSED') {
      // Something holds the port but does not answer: a new file alone would not reach it.
      io.err(`portico ui-link: nothing answered on 127.0.0.1:${ui.port} (${r.reason}), so the link was not changed; if \`portico serve\` is stuck, stop it and run this again`);
      return EXIT_FAILED;
    }
    if (r.kind === 'refused') {
      io.err(`portico ui-link: the service on 127.0.0.1:${ui.port} refused the request (HTTP ${r.status}): ${r.message}. Another Portico with a different data directory may own that port; check "ui.port" and "dataDir"`);
      return EXIT_FAILED;
    }
  }
  // Nothing runs with this config: the next `portico serve` reads the new token from the file.
  io.out(UiToken.link(ui.port, await UiToken.create(dataDir)));
  io.err('portico ui-link: new link made; `portico serve` uses it from its next start');
  return EXIT_OK;
}
