import type { CliIo } from './io.ts';

/**
 * A secret from stdin, never from argv (shell history, `ps`). At a terminal: asked with `prompt`
 * on stderr and typed without echo (Enter ends it, Ctrl+C gives up); piped: the first line.
 * undefined when nothing came (an empty pipe, Ctrl+C, Ctrl+D).
 */
export async function readSecret(io: CliIo, prompt: string): Promise<string | undefined> {
  const stdin = io.stdin;
  if (!stdin) return undefined;
  if (stdin.isTTY && stdin.setRawMode) return readTyped(stdin as Required<NonNullable<CliIo['stdin']>>, prompt);
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  return line === '' ? undefined : line;
}

function readTyped(stdin: Required<NonNullable<CliIo['stdin']>>, prompt: string): Promise<string | undefined> {
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let typed = '';
    const finish = (value: string | undefined) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish(typed || undefined);
        if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
