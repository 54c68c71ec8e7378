import { spawn } from 'node:child_process';
import { once } from 'node:events';

const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;

/** The real `portico` command in a child process (from source), its output collected as it comes. */
export function porticoProcess(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PORTICO_FROM_SOURCE: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => { out.stdout += d; });
  child.stderr.on('data', (d: Buffer) => { out.stderr += d; });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, out, exited };
}
