import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../io.ts';
import { loadConfig } from '../load-config.ts';
import { parseCliArgs } from '../args.ts';
import { readSecret } from '../read-secret.ts';
import { refusedText, ServiceClient } from '../service-client.ts';
import { passwordProblem } from '../../shared/lan-password.ts';
import { UiPassword } from '../../core/ui/ui-password.ts';
import { DataDir } from '../../core/support/data-dir.ts';

/**
 * `portico ui-password --config FILE`: set the password of the dashboard on the local network.
 * Typed at the prompt (twice, without echo) or piped in on stdin, never an argument, so it stays
 * out of shell history and `ps`. Through the running service when there is one (every device
 * signed in is signed out at once), else into `<dataDir>/ui-password`, which the next
 * `portico serve` reads. Only its scrypt hash is kept.
 */
export async function uiPassword(args: string[], io: CliIo): Promise<number> {
  const a = parseCliArgs(args, { command: 'ui-password', usage: 'portico ui-password --config FILE   (the password is read from the prompt or stdin)', options: ['--config'] }, io);
  if (!a) return EXIT_USAGE;
  const loaded = await loadConfig(a.options['--config'], io, { requireDomains: false });
  if (!loaded) return EXIT_USAGE;
  const { config } = loaded;
  try {
    await new DataDir(config.dataDir).ensure();
  } catch (e) {
    io.err(`portico ui-password: ${(e as Error).message}`);
    return EXIT_FAILED;
  }

  const password = await readSecret(io, 'New password for the dashboard on your network: ');
  if (password === undefined) {
    io.err('portico ui-password: no password given; type it at the prompt, or pipe it in: `printf "%s\\n" "$PASSWORD" | portico ui-password --config FILE`');
    return EXIT_USAGE;
  }
  const problem = passwordProblem(password);
  if (problem) {
    io.err(`portico ui-password: ${problem} Nothing was changed.`);
    return EXIT_USAGE;
  }
  if (io.stdin?.isTTY && (await readSecret(io, 'Type it again: ')) !== password) {
    io.err('portico ui-password: the two passwords differ; nothing was changed. Run it again.');
    return EXIT_USAGE;
  }

  const reach = await ServiceClient.reach(config);
  if (reach.kind === 'running') {
    const r = await reach.client.call('ui:lan-update', { password });
    if (r.kind === 'ok' && r.value.ok) {
      io.out('Password set. The running service uses it now; devices signed in before must sign in again.');
      return done(io, r.value.value.enabled);
    }
    const why = r.kind === 'ok' ? (r.value.ok ? '' : `${r.value.error.message} ${r.value.error.fix ?? ''}`.trim()) : r.kind === 'refused' ? refusedText({ ...r, port: reach.client.port }) : `no answer (${r.reason})`;
    io.err(`portico ui-password: the running service did not take the password: ${why}`);
    return EXIT_FAILED;
  }
  if (reach.kind === 'refused') {
    io.err(`portico ui-password: ${refusedText(reach)}`);
    return EXIT_FAILED;
  }
  await UiPassword.save(config.dataDir, password);
  io.out(`Password set (its hash is in ${new DataDir(config.dataDir).uiPassword}); \`portico serve\` uses it from its next start.`);
  return done(io, config.ui.lan.enabled);
}

function done(io: CliIo, enabled: boolean): number {
  if (!enabled) io.out('The dashboard on your network is off: turn it on in the dashboard (Settings → Dashboard on your network), or set "ui": {"lan": {"enabled": true}} in the config and restart `portico serve`.');
  return EXIT_OK;
}
