/**
 * A home network in three Linux network namespaces, built per test and deleted afterwards:
 *
 *   wan (the internet) -- ext0 [router: miniupnpd, NAT, UPnP + NAT-PMP + PCP] int0 -- lan (this PC)
 *
 * Needs root (CI runs as root). Nothing touches the root namespace's network: the three
 * namespaces are closed islands, linked only to each other by veth pairs.
 * Names are unique per process and harness (`ptc-<pid>-<n>-wan`), so parallel runs don't clash;
 * stale namespaces left by a killed run (dead pid) are swept on the next start.
 *
 * Debian gotchas (see shared/reference/peers/upnp-netns.sh): miniupnpd refuses a reserved
 * ext_ip, so the router gets a public-looking address bound only inside its namespace;
 * Debian's nft_init.sh is broken, so the tables miniupnpd 2.3.1 expects are written here.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';

export interface RouterNetnsOptions {
  /** The router's public address (must be non-reserved for miniupnpd). [1.2.3.4] */
  extIp?: string;
  /** Start miniupnpd right away. [true] */
  daemon?: boolean;
  /**
   * Put a provider NAT (carrier-grade NAT) between the router and the internet: an `isp`
   * namespace that source-NATs everything to this address, so the router's WAN address and the
   * address the internet sees differ.
   */
  upstreamNat?: string;
  /** Let UPnP/NAT-PMP/PCP map WAN ports below 1024 (many routers, and Debian's default config, don't). [true] */
  allowLowPorts?: boolean;
  /** Extra addresses given to the LAN host (e.g. to play "another host" for conflicts). */
  extraLanHosts?: number;
}

export interface ExecResult { code: number; stdout: string; stderr: string }

let counter = 0;

export function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: opts.timeoutMs ?? 20_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Delete namespaces left behind by earlier runs whose process is gone. */
async function sweepStale(): Promise<void> {
  const list = await run('ip', ['netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = /^(ptc-(\d+)-\d+-(?:wan|rtr|lan|isp))\b/.exec(line);
    if (!m) continue;
    const pid = Number(m[2]);
    let alive = true;
    try { process.kill(pid, 0); } catch { alive = false; }
    if (!alive) await run('ip', ['netns', 'del', m[1]!]);
  }
}

export class RouterNetns {
  readonly wan: string;
  readonly rtr: string;
  readonly lan: string;
  readonly extIp: string;
  /** Router address on the WAN link (the "ISP side"). */
  readonly wanRouterIp = '10.99.0.1';
  /** The internet host (STUN server, WAN client). 10.98.0.2 behind a provider NAT. */
  readonly wanHostIp: string;
  /** The provider-NAT namespace, when `upstreamNat` is set. */
  readonly isp: string | null;
  readonly upstreamNat: string | null;
  readonly lanSubnet: string;
  readonly gatewayIp: string;
  readonly lanIp: string;
  readonly otherLanIps: string[];
  readonly dir: string;
  private daemon: ChildProcess | null = null;
  private readonly children = new Set<ChildProcess>();

  private readonly allowLowPorts: boolean;

  private constructor(id: string, dir: string, octet: number, extIp: string, extra: number, allowLowPorts: boolean, upstreamNat: string | null) {
    this.allowLowPorts = allowLowPorts;
    this.upstreamNat = upstreamNat;
    this.isp = upstreamNat ? `${id}-isp` : null;
    this.wanHostIp = upstreamNat ? '10.98.0.2' : '10.99.0.2';
    this.wan = `${id}-wan`;
    this.rtr = `${id}-rtr`;
    this.lan = `${id}-lan`;
    this.dir = dir;
    this.extIp = extIp;
    this.lanSubnet = `192.168.${octet}.0/24`;
    this.gatewayIp = `192.168.${octet}.1`;
    this.lanIp = `192.168.${octet}.10`;
    this.otherLanIps = Array.from({ length: extra }, (_, i) => `192.168.${octet}.${20 + i}`);
  }

  /** Build the namespaces (and start miniupnpd); everything is removed in t.after, even on failure. */
  static async create(t: Pick<TestContext, 'after'>, opts: RouterNetnsOptions = {}): Promise<RouterNetns> {
    if (process.getuid?.() !== 0) throw new Error('router tests build network namespaces and need root (CI runs as root); run them with sudo');
    await sweepStale();
    const n = ++counter;
    const id = `ptc-${process.pid}-${n}`;
    const dir = await mkdtemp(join(tmpdir(), `${id}-`));
    const octet = 20 + ((process.pid * 7 + n) % 200);
    const h = new RouterNetns(id, dir, octet, opts.extIp ?? '1.2.3.4', opts.extraLanHosts ?? 0, opts.allowLowPorts ?? true, opts.upstreamNat ?? null);
    t.after(() => h.destroy());
    await h.build();
    if (opts.daemon ?? true) await h.startDaemon();
    return h;
  }

  private async build(): Promise<void> {
    for (const ns of this.namespaces()) {
      await must('ip', ['netns', 'add', ns]);
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Router WAN side: straight to the internet, or to the provider's NAT first.
    await must('ip', ['link', 'add', 'ext0', 'netns', this.rtr, 'type', 'veth', 'peer', 'name', this.isp ? 'in0' : 'wan0', 'netns', this.isp ?? this.wan]);
    if (this.isp) await must('ip', ['link', 'add', 'out0', 'netns', this.isp, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', this.wan]);
    await must('ip', ['link', 'add', 'int0', 'netns', this.rtr, 'type', 'veth', 'peer', 'name', 'lan0', 'netns', this.lan]);
    const prefix = this.lanSubnet.replace(/\.0\/24$/, '');
    const cmds: [string, string[]][] = [
      [this.rtr, ['addr', 'add', `${this.wanRouterIp}/24`, 'dev', 'ext0']],
      [this.rtr, ['addr', 'add', `${this.extIp}/32`, 'dev', 'ext0']],
      [this.rtr, ['addr', 'add', `${prefix}.1/24`, 'dev', 'int0']],
      ...(this.isp ? [
        [this.isp, ['addr', 'add', '10.99.0.2/24', 'dev', 'in0']],
        [this.isp, ['addr', 'add', '10.98.0.1/24', 'dev', 'out0']],
        [this.isp, ['addr', 'add', `${this.upstreamNat}/32`, 'dev', 'out0']],
        [this.isp, ['link', 'set', 'in0', 'up']],
        [this.isp, ['link', 'set', 'out0', 'up']],
      ] as [string, string[]][] : []),
      [this.wan, ['addr', 'add', `${this.wanHostIp}/24`, 'dev', 'wan0']],
      [this.lan, ['addr', 'add', `${this.lanIp}/24`, 'dev', 'lan0']],
      ...this.otherLanIps.map((ip): [string, string[]] => [this.lan, ['addr', 'add', `${ip}/24`, 'dev', 'lan0']]),
      [this.rtr, ['link', 'set', 'ext0', 'up']],
      [this.rtr, ['link', 'set', 'int0', 'up']],
      [this.wan, ['link', 'set', 'wan0', 'up']],
      [this.lan, ['link', 'set', 'lan0', 'up']],
      [this.lan, ['route', 'add', 'default', 'via', this.gatewayIp]],
      ...(this.isp ? [
        [this.rtr, ['route', 'add', 'default', 'via', '10.99.0.2']],
        [this.isp, ['route', 'add', `${this.extIp}/32`, 'via', this.wanRouterIp]],
        [this.wan, ['route', 'add', `${this.upstreamNat}/32`, 'via', '10.98.0.1']],
      ] as [string, string[]][] : [[this.wan, ['route', 'add', `${this.extIp}/32`, 'via', this.wanRouterIp]] as [string, string[]]]),
    ];
    for (const [ns, args] of cmds) await must('ip', ['-n', ns, ...args]);
    if (this.isp) {
      await must('ip', ['netns', 'exec', this.isp, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      const ispNft = join(this.dir, 'isp.nft');
      await writeFile(ispNft, `table ip cgnat {\n  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n    oifname "out0" snat to ${this.upstreamNat}\n  }\n}\n`);
      await must('ip', ['netns', 'exec', this.isp, 'nft', '-f', ispNft]);
    }
    await must('ip', ['netns', 'exec', this.rtr, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const nft = join(this.dir, 'miniupnpd.nft');
    // Like a home router: LAN traffic leaves with the public address (source NAT).
    await writeFile(nft, `table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "int0" accept
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "ext0" snat ip to ${this.extIp}
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting_miniupnpd {
  }
}
`);
    await must('ip', ['netns', 'exec', this.rtr, 'nft', '-f', nft]);
    await writeFile(join(this.dir, 'miniupnpd.conf'), [
      'ext_ifname=ext0',
      `ext_ip=${this.extIp}`,
      'listening_ip=int0',
      'http_port=5555',
      'enable_upnp=yes',
      'enable_natpmp=yes',
      'ipv6_disable=yes',
      'secure_mode=yes',
      'system_uptime=yes',
      'notify_interval=30',
      `presentation_url=http://${this.gatewayIp}/admin`,
      `lease_file=${join(this.dir, 'upnp.leases')}`,
      `uuid=${randomUUID()}`,
      // Low ports too (the whole point is WAN 443/80), unless the test plays a stricter router.
      `allow ${this.allowLowPorts ? 1 : 1024}-65535 ${this.lanSubnet} 1-65535`,
      'deny 0-65535 0.0.0.0/0 0-65535',
      '',
    ].join('\n'));
  }

  private namespaces(): string[] {
    return [this.wan, this.rtr, this.lan, ...(this.isp ? [this.isp] : [])];
  }

  get rootDescUrl(): string { return `http://${this.gatewayIp}:5555/rootDesc.xml`; }

  async startDaemon(): Promise<void> {
    if (this.daemon) return;
    const log = join(this.dir, 'miniupnpd.log');
    const conf = join(this.dir, 'miniupnpd.conf');
    const child = spawn('ip', ['netns', 'exec', this.rtr, 'miniupnpd', '-f', conf, '-d', '-P', join(this.dir, 'miniupnpd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    this.daemon = child;
    const end = Date.now() + 5000;
    for (;;) {
      const ss = await this.exec(this.rtr, 'ss', ['-ltnu']);
      if (ss.stdout.includes(':5555') && ss.stdout.includes(':5351')) break;
      if (child.exitCode !== null || Date.now() > end) {
        await writeFile(log, out);
        throw new Error(`miniupnpd did not start in ${this.rtr} (exit ${child.exitCode}); log: ${out.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stop miniupnpd (the "router without UPnP" case); its NAT rules are flushed too. */
  async stopDaemon(): Promise<void> {
    const d = this.daemon;
    if (!d) return;
    this.daemon = null;
    if (d.exitCode === null) {
      const gone = new Promise((r) => d.once('exit', r));
      d.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      if (d.exitCode === null) d.kill('SIGKILL');
    }
  }

  exec(ns: string, cmd: string, args: string[], timeoutMs?: number): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], { timeoutMs });
  }

  /** The router's port-mapping table as upnpc sees it: `{ proto, externalPort, client, internalPort }`. */
  async routerTable(): Promise<{ proto: string; externalPort: number; client: string; internalPort: number; description: string }[]> {
    const r = await this.exec(this.lan, 'upnpc', ['-u', this.rootDescUrl, '-l']);
    const rows = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*\d+\s+(TCP|UDP)\s+(\d+)->([\d.]+):(\d+)\s+'([^']*)'/.exec(line);
      if (m) rows.push({ proto: m[1]!, externalPort: Number(m[2]), client: m[3]!, internalPort: Number(m[4]), description: m[5]! });
    }
    return rows;
  }

  /**
   * Run a Node/TS file inside a namespace with the Node that runs the tests (Node 24 under npm),
   * wait for it, and return its output. Killed after `timeoutMs`.
   */
  runNode(ns: string, file: string, args: string[] = [], timeoutMs = 30_000): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', ns, process.execPath, file, ...args], { timeoutMs });
  }

  /** Start a long-running Node/TS process inside a namespace; it is killed at teardown. */
  spawnNode(ns: string, file: string, args: string[] = []): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', ns, process.execPath, file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(c);
    c.once('exit', () => this.children.delete(c));
    return c;
  }

  /**
   * Start a worker process in a namespace that loads `modulePath` and runs its exports on call:
   * `await w.call('fn', arg1, arg2)` (arguments and results travel as JSON). Killed at teardown.
   */
  async worker(ns: string, modulePath: string): Promise<NetnsWorker> {
    const c = this.spawnNode(ns, new URL('./netns-worker.ts', import.meta.url).pathname, [modulePath]);
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    let buf = '';
    let stderr = '';
    let ready: () => void = () => {};
    const readyP = new Promise<void>((r) => (ready = r));
    c.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    // A call racing teardown writes to a pipe being closed: that is a rejected call, not a crash.
    c.stdin!.on('error', () => {});
    c.stdout!.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let msg: { id?: number; ok?: boolean; value?: unknown; error?: string; ready?: boolean };
        try { msg = JSON.parse(line); } catch { continue; }
        if (msg.ready) { ready(); continue; }
        const p = pending.get(msg.id!);
        pending.delete(msg.id!);
        if (msg.ok) p?.resolve(msg.value); else p?.reject(new Error(`in ${ns}: ${msg.error}`));
      }
    });
    c.once('exit', (code) => {
      for (const p of pending.values()) p.reject(new Error(`worker in ${ns} exited (${code}): ${stderr}`));
      pending.clear();
    });
    await Promise.race([readyP, new Promise((_, rej) => c.once('exit', (code) => rej(new Error(`worker in ${ns} exited (${code}) before it was ready: ${stderr}`))))]);
    let seq = 0;
    return {
      call: <T = unknown>(fn: string, ...args: unknown[]) => new Promise<T>((resolve, reject) => {
        if (c.exitCode !== null || c.signalCode !== null || c.killed || !this.children.has(c)) return reject(new Error(`worker in ${ns} has exited; cannot call ${fn}`));
        const id = ++seq;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        c.stdin!.write(JSON.stringify({ id, fn, args }) + '\n');
      }),
      close: () => new Promise<void>((resolve) => {
        if (c.exitCode !== null) return resolve();
        c.once('exit', () => resolve());
        c.stdin!.end();
      }),
    };
  }

  /** Read a file the router daemon wrote (lease file) — handy when a test fails. */
  async daemonLeases(): Promise<string> {
    return readFile(join(this.dir, 'upnp.leases'), 'utf8').catch(() => '');
  }

  async destroy(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    await this.stopDaemon();
    for (const ns of this.namespaces()) await run('ip', ['netns', 'del', ns]);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface NetnsWorker {
  call<T = unknown>(fn: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

/** Wait for a line on a child's stdout that matches, e.g. a "listening" line from a server script. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let errBuf = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout: ${buf.slice(-500)} stderr: ${errBuf.slice(-1000)}`)), timeoutMs);
    child.stderr?.on('data', (d) => (errBuf += d));
    child.stdout?.on('data', (d) => {
      buf += d;
      const m = re.exec(buf);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`process exited (${code}) before printing ${re}; stderr: ${errBuf.slice(-1500)}`)); });
  });
}
