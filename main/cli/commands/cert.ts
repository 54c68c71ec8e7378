import { EXIT_FAILED, type CliIo } from '../io.ts';

export async function cert(_args: string[], io: CliIo): Promise<number> {
  io.err('portico cert: not built yet');
  return EXIT_FAILED;
}
