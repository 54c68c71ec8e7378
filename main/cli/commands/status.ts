import { EXIT_FAILED, type CliIo } from '../io.ts';

export async function status(_args: string[], io: CliIo): Promise<number> {
  io.err('portico status: not built yet');
  return EXIT_FAILED;
}
