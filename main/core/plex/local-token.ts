/**
 * Find the PlexOnlineToken that Plex Media Server keeps in its own store on this machine
 * (plex-api.md section 4), so the user does not have to type or paste a token:
 * Windows registry, macOS preferences plist (binary or XML), Linux/NAS/Docker Preferences.xml.
 * Everything OS-specific is injectable, so every reader runs in tests on Linux.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parsePlist } from './plist.ts';
import { parseXml } from '../support/xml.ts';

export interface LocalToken {
  token: string;
  /** Where it was found, for the UI ("registry", a file path). Never the token. */
  source: string;
}

/** Something that can yield a token, tried in order. */
export type LocalTokenSource = () => Promise<LocalToken | null>;

export interface CommandResult { code: number; stdout: string; stderr: string }
export type CommandRunner = (file: string, args: string[]) => Promise<CommandResult>;

export interface LocalTokenOptions {
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Prefix for absolute paths (tests put fixtures under a temp dir). */
  root?: string;
  runCommand?: CommandRunner;
}

export const REGISTRY_KEY = 'HKCU\\Software\\Plex, Inc.\\Plex Media Server';
export const MAC_PLIST = 'Library/Preferences/com.plexapp.plexmediaserver.plist';
const PMS_DIR = 'Plex Media Server';

const runWithExecFile: CommandRunner = (file, args) => new Promise((resolve) => {
  execFile(file, args, { windowsHide: true, timeout: 10_000 }, (e, stdout, stderr) => {
    const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 1) : 0;
    resolve({ code, stdout: String(stdout), stderr: String(stderr) });
  });
});

/** `reg query "<key>" /v PlexOnlineToken` output -> the value (REG_SZ), or null. */
export function parseRegQueryOutput(out: string, name = 'PlexOnlineToken'): string | null {
  for (const line of out.split(/\r?\n/)) {
    const m = /^\s+(\S.*?)\s{4}(REG_[A-Z_]+)\s{4}(.*)$/.exec(line) ?? /^\s+(\S.*?)\s{4}(REG_[A-Z_]+)$/.exec(line);
    if (m && m[1] === name && m[2] === 'REG_SZ') return (m[3] ?? '').trim() || null;
  }
  return null;
}

/** The PlexOnlineToken attribute of a PMS Preferences.xml, or null (also when the file is not well-formed). */
function parsePreferencesXmlToken(xml: string): string | null {
  try {
    const doc = parseXml(xml);
    return (doc.name === 'Preferences' && doc.attrs.PlexOnlineToken) || null;
  } catch {
    return null;
  }
}

/** PlexOnlineToken from com.plexapp.plexmediaserver.plist (binary or XML), or null. */
function parsePlistToken(buf: Uint8Array): string | null {
  const v = parsePlist(buf);
  if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof Uint8Array)) {
    const t = (v as Record<string, unknown>).PlexOnlineToken;
    return typeof t === 'string' && t !== '' ? t : null;
  }
  return null;
}

/** Every place a Linux-like PMS keeps Preferences.xml, most specific first. */
function linuxPreferencesPaths(env: NodeJS.ProcessEnv, home: string): string[] {
  const paths: string[] = [];
  if (env.PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR) paths.push(join(env.PLEX_MEDIA_SERVER_APPLICATION_SUPPORT_DIR, PMS_DIR, 'Preferences.xml'));
  paths.push(
    '/var/lib/plexmediaserver/Library/Application Support/Plex Media Server/Preferences.xml',
    '/config/Library/Application Support/Plex Media Server/Preferences.xml',
    '/var/snap/plexmediaserver/common/Library/Application Support/Plex Media Server/Preferences.xml',
    '/usr/local/plexdata/Plex Media Server/Preferences.xml',
    join(home, 'Library/Application Support/Plex Media Server/Preferences.xml'),
  );
  return paths;
}

async function readIfThere(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

/** The readers for this platform, in the order they are tried. */
export function localTokenSources(opts: LocalTokenOptions = {}): LocalTokenSource[] {
  const platform = opts.platform ?? process.platform;
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const at = (p: string) => (opts.root ? join(opts.root, p) : p);
  if (platform === 'win32') {
    const run = opts.runCommand ?? runWithExecFile;
    return [async () => {
      const r = await run('reg', ['query', REGISTRY_KEY, '/v', 'PlexOnlineToken']);
      const token = r.code === 0 ? parseRegQueryOutput(r.stdout) : null;
      return token ? { token, source: `registry ${REGISTRY_KEY}` } : null;
    }];
  }
  if (platform === 'darwin') {
    const path = at(join(home, MAC_PLIST));
    return [async () => {
      const buf = await readIfThere(path);
      if (!buf) return null;
      try {
        const token = parsePlistToken(buf);
        return token ? { token, source: path } : null;
      } catch {
        return null;
      }
    }];
  }
  return linuxPreferencesPaths(env, home).map((p) => async () => {
    const path = at(p);
    const buf = await readIfThere(path);
    const token = buf ? parsePreferencesXmlToken(buf.toString('utf8')) : null;
    return token ? { token, source: path } : null;
  });
}

/** The first token any reader finds, or null. */
export async function findLocalToken(sources: LocalTokenSource[] = localTokenSources()): Promise<LocalToken | null> {
  for (const s of sources) {
    const t = await s().catch(() => null);
    if (t) return t;
  }
  return null;
}
