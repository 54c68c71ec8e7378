#!/usr/bin/env bash
# Installs the Debian packages Portico's tests and benchmarks start for real:
# pebble (ACME CA), bind9 (RFC 2136), miniupnpd + nftables in network namespaces (the router),
# testssl.sh/sslscan (TLS grading), chromium (renderer tests), haproxy/nginx/caddy/wrk/h2load (bench anchors),
# systemd (systemd-analyze checks the service unit).
# Idempotent; needs root (or sudo). Usage: bash scripts/install-system-deps.sh
set -euo pipefail
PKGS=(
  ca-certificates curl openssl iproute2 procps psmisc uuid-runtime bc jq
  pebble
  bind9 bind9-utils bind9-dnsutils
  miniupnpd miniupnpd-nftables nftables miniupnpc natpmpc
  testssl.sh sslscan
  chromium libnss3-tools fonts-dejavu-core
  haproxy nginx-light caddy wrk nghttp2-client apache2-utils
  systemd
)
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages: all present"; exit 0; fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# miniupnpd's postinst asks about interfaces; preseed it off so no daemon is started by dpkg
echo "miniupnpd miniupnpd/start_daemon boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts some daemons on install; the tests run their own instances on loopback only.
for svc in named bind9 nginx haproxy caddy miniupnpd; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then $SUDO systemctl stop "$svc" || true; fi
done
pkill -x nginx 2>/dev/null || true; pkill -x haproxy 2>/dev/null || true; pkill -x named 2>/dev/null || true
echo "system packages: installed"
