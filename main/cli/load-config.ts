import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseConfig, formatProblem, type Config } from '../shared/config.ts';
import { defaultDataDir } from '../core/paths.ts';
import type { CliIo } from './io.ts';

export interface LoadedConfig { config: Config & { dataDir: string }; path: string }

/**
 * Read and validate the config named by --config (or PORTICO_CONFIG). On any problem, print one
 * line per problem naming the key and the fix, and return null (the caller exits 2).
 */
export async function loadConfig(path: string | undefined, io: CliIo): Promise<LoadedConfig | null> {
  const file = path ?? io.env.PORTICO_CONFIG;
  if (!file) {
    io.err('config: no config file given; pass --config FILE (see README.md, "Headless mode") or set PORTICO_CONFIG');
    return null;
  }
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(`config: cannot read ${abs} (${code ?? (e as Error).message}); check the path${code === 'EACCES' ? ' and its permissions' : ''}`);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.err(`config: ${abs} is not valid JSON (${(e as Error).message}); fix the syntax (comments and trailing commas are not allowed)`);
    return null;
  }
  const r = parseConfig(json);
  if (!r.ok) {
    for (const p of r.error) io.err(formatProblem(p));
    return null;
  }
  const dataDir = r.value.dataDir ? resolve(r.value.dataDir) : defaultDataDir(io.env);
  return { config: { ...r.value, dataDir }, path: abs };
}
