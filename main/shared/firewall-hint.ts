/**
 * What to tell the user when the outside check finds the door unreachable and the host's own
 * firewall is a likely cause (Verify names it). One text per OS, with the real port numbers.
 */
export function firewallHint(platform: string, ports: readonly number[]): string {
  const list = ports.join(', ');
  if (platform === 'win32') {
    return 'Windows Defender Firewall may be blocking the door. Portico\'s installer adds an inbound rule named "Portico" ' +
      '(it asks for administrator approval once); if that was declined, open PowerShell as administrator and run: ' +
      'netsh advfirewall firewall add rule name="Portico" dir=in action=allow protocol=TCP ' +
      `program="$env:LOCALAPPDATA\\Programs\\Portico\\Portico.exe" — or allow TCP port${ports.length > 1 ? 's' : ''} ${list} in Windows Security › Firewall.`;
  }
  if (platform === 'darwin') {
    return 'macOS\'s firewall may be blocking incoming connections to Portico. In System Settings › Network › Firewall › Options, ' +
      'set Portico to "Allow incoming connections" (or turn on "Automatically allow downloaded signed software").';
  }
  return `A firewall on this computer may be blocking TCP port${ports.length > 1 ? 's' : ''} ${list}. ` +
    `With ufw: ${ports.map((p) => `sudo ufw allow ${p}/tcp`).join('; ')}. ` +
    `With firewalld: ${ports.map((p) => `sudo firewall-cmd --permanent --add-port=${p}/tcp`).join('; ')}; sudo firewall-cmd --reload.`;
}
