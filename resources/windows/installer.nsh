; Windows Defender Firewall rule for Portico, included by electron-builder's NSIS installer
; (electron-builder.yml nsis.include). The install itself is per user and needs no administrator;
; the firewall rule does, so this asks once (one UAC prompt) on a fresh install. Declining
; leaves Portico installed: Windows then asks the first time the door listens.
; The rule allows inbound TCP to Portico.exe on every profile, whatever ports the door uses.
; Updates keep the rule (same program path) and do not ask again.

!macro customInstall
  ${ifNot} ${isUpdated}
    ExecShellWait "runas" "$SYSDIR\cmd.exe" '/c "netsh advfirewall firewall delete rule name="Portico" program="$INSTDIR\${APP_EXECUTABLE_FILENAME}" & netsh advfirewall firewall add rule name="Portico" dir=in action=allow program="$INSTDIR\${APP_EXECUTABLE_FILENAME}" protocol=TCP profile=any enable=yes"' SW_HIDE
  ${endIf}
!macroend

!macro customUnInstall
  ${ifNot} ${isUpdated}
    ExecShellWait "runas" "$SYSDIR\netsh.exe" 'advfirewall firewall delete rule name="Portico" program="$INSTDIR\${APP_EXECUTABLE_FILENAME}"' SW_HIDE
  ${endIf}
!macroend
