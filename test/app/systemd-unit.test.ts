/**
 * resources/linux/portico.service as systemd itself reads it: `systemd-analyze verify` reports
 * nothing (it exits 0 even on unknown or bad settings, so its output is the check), and
 * `systemd-analyze security --offline` rates its sandbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpDir } from '../helpers/tmp-dir.ts';

const UNIT = new URL('../../resources/linux/portico.service', import.meta.url).pathname;
const skip = process.platform !== 'linux' && 'systemd units are Linux-only';

const analyze = (...args: string[]) => spawnSync('systemd-analyze', args, { encoding: 'utf8' });

test('the systemd unit verifies cleanly, and a broken copy does not', { skip }, async (t) => {
  const dir = await tmpDir(t);
  const unit = join(dir, 'portico.service');
  copyFileSync(UNIT, unit);
  const ok = analyze('verify', unit);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr.trim(), '', 'systemd-analyze verify has no complaint');

  const bad = join(dir, 'bad', 'portico.service');
  mkdirSync(join(dir, 'bad'));
  writeFileSync(bad, readFileSync(UNIT, 'utf8').replace('ProtectSystem=strict', 'ProtectSystem=very'));
  assert.match(analyze('verify', bad).stderr, /protect system value/i);
});

test('the unit runs the service sandboxed: throwaway user, read-only system, only CAP_NET_BIND_SERVICE', { skip }, async (t) => {
  const text = readFileSync(UNIT, 'utf8');
  for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', 'StateDirectory=portico', 'AmbientCapabilities=CAP_NET_BIND_SERVICE', 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'NoNewPrivileges=yes', 'ExecStart=/usr/bin/env portico serve --config /etc/portico/portico.json']) {
    assert.ok(text.split('\n').includes(line), `the unit has ${line}`);
  }
  const dir = await tmpDir(t);
  copyFileSync(UNIT, join(dir, 'portico.service'));
  const s = analyze('security', '--offline=yes', join(dir, 'portico.service'));
  const level = /Overall exposure level for portico\.service: ([\d.]+)/.exec(s.stdout);
  assert.ok(level, s.stdout + s.stderr);
  t.diagnostic(`systemd exposure level ${level[1]} (0 = fully sandboxed, 10 = none)`);
  assert.ok(Number(level[1]) <= 2.5, `exposure ${level[1]} is above 2.5: a hardening line was lost`);
});
