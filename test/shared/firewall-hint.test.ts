import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { firewallHint } from '../../main/shared/firewall-hint.ts';

test('Windows: names the installer\'s rule and the netsh command matching it', () => {
  const h = firewallHint('win32', [8443, 32443]);
  assert.match(h, /Windows Defender Firewall/);
  assert.match(h, /netsh advfirewall firewall add rule name="Portico" dir=in action=allow protocol=TCP program=".*Portico\.exe"/);
  assert.match(h, /TCP ports 8443, 32443/);
  // The installer script creates the rule this text names.
  const nsh = readFileSync(new URL('../../resources/windows/installer.nsh', import.meta.url), 'utf8');
  assert.match(nsh, /netsh advfirewall firewall add rule name="Portico" dir=in action=allow program="\$INSTDIR\\\$\{APP_EXECUTABLE_FILENAME\}" protocol=TCP/);
});

test('macOS: the application firewall setting; Linux: ufw and firewalld with the real ports', () => {
  assert.match(firewallHint('darwin', [8443]), /Allow incoming connections/);
  const l = firewallHint('linux', [8443]);
  assert.match(l, /TCP port 8443\./);
  assert.match(l, /sudo ufw allow 8443\/tcp/);
  assert.match(l, /sudo firewall-cmd --permanent --add-port=8443\/tcp; sudo firewall-cmd --reload/);
});
