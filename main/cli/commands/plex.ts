import { EXIT_FAILED, type CliIo } from '../io.ts';

export async function plex(_args: string[], io: CliIo): Promise<number> {
  io.err('portico plex: not built yet');
  return EXIT_FAILED;
}
