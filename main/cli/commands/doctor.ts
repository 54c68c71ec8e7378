import { EXIT_FAILED, type CliIo } from '../io.ts';

export async function doctor(_args: string[], io: CliIo): Promise<number> {
  io.err('portico doctor: not built yet');
  return EXIT_FAILED;
}
