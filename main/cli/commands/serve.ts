import { EXIT_FAILED, type CliIo } from '../io.ts';

export async function serve(_args: string[], io: CliIo): Promise<number> {
  io.err('portico serve: not built yet');
  return EXIT_FAILED;
}
