/**
 * The default gateway (the router's LAN address). Linux reads /proc/net/route; macOS asks
 * `route -n get default`; Windows asks PowerShell's Get-NetRoute, then `route print` (wmic is
 * gone from Windows 11 24H2). Commands run through an injected runner so the parsers can be
 * tested on any OS with the real output formats.
 */
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { isIPv4 } from 'node:net';

export type CommandRunner = (cmd: string, args: string[]) => Promise<string>;

export interface DiscoverGatewayOptions {
  platform?: NodeJS.Platform;
  readText?: (path: string) => Promise<string>;
  run?: CommandRunner;
}

const defaultRun: CommandRunner = (cmd, args) => new Promise((resolve, reject) => {
  execFile(cmd, args, { timeout: 5000, windowsHide: true }, (e, out) => (e ? reject(e) : resolve(String(out))));
});

/** /proc/net/route: the default route with the lowest metric; addresses are little-endian hex. */
export function parseProcNetRoute(text: string): string | null {
  let best: { gw: string; metric: number } | null = null;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const flags = parseInt(f[3]!, 16);
    if (!(flags & 0x1) || !(flags & 0x2)) continue; // RTF_UP and RTF_GATEWAY
    const n = parseInt(f[2]!, 16);
    const gw = [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
    const metric = Number(f[6]);
    if (!best || metric < best.metric) best = { gw, metric };
  }
  return best?.gw ?? null;
}

/** `route -n get default` (macOS): a line "gateway: 192.168.1.1". */
export function parseMacRoute(text: string): string | null {
  const m = /^\s*gateway:\s*(\S+)/m.exec(text);
  return m && isIPv4(m[1]!) ? m[1]! : null;
}

/** Output of Get-NetRoute ... -ExpandProperty NextHop (one address per line), or `route print -4`. */
export function parseWindowsRoute(text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (isIPv4(t) && t !== '0.0.0.0') return t;
    const m = /^0\.0\.0\.0\s+0\.0\.0\.0\s+(\d+\.\d+\.\d+\.\d+)\s+\S+\s+\d+/.exec(t);
    if (m && m[1] !== '0.0.0.0') return m[1]!;
  }
  return null;
}

export async function discoverGateway(opts: DiscoverGatewayOptions = {}): Promise<string | null> {
  const platform = opts.platform ?? process.platform;
  const run = opts.run ?? defaultRun;
  try {
    if (platform === 'linux' || platform === 'android') return parseProcNetRoute(await (opts.readText ?? ((p) => readFile(p, 'utf8')))('/proc/net/route'));
    if (platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd') return parseMacRoute(await run('route', ['-n', 'get', 'default']));
    if (platform === 'win32') {
      try {
        const ps = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command',
          "Get-NetRoute -AddressFamily IPv4 -DestinationPrefix '0.0.0.0/0' | Sort-Object RouteMetric | Select-Object -ExpandProperty NextHop"]);
        const gw = parseWindowsRoute(ps);
        if (gw) return gw;
      } catch { /* PowerShell missing or restricted: fall back to route print */ }
      return parseWindowsRoute(await run('route', ['print', '-4', '0.0.0.0']));
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * This machine's address on the path to `remote` (the router): a connected UDP socket picks the
 * source address without sending anything.
 */
export function localAddressToward(remote: string): Promise<string | null> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.on('error', () => { s.close(); resolve(null); });
    s.connect(9, remote, () => {
      const a = s.address().address;
      s.close();
      resolve(a);
    });
  });
}
