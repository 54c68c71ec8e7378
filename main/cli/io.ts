/** What a command writes to; tests pass buffers, the real CLI passes process streams. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: NodeJS.ProcessEnv;
  /** Where a secret is typed or piped in (never argv, which lands in shell history and `ps`). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
}

export const processIo: CliIo = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  env: process.env,
  stdin: process.stdin,
};

/** Exit codes: 0 ok, 1 the operation failed, 2 bad usage or bad config, 3 the service runs but its health is not "ok". */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_OK = 3;
