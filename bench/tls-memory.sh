#!/usr/bin/env bash
# Door memory after many new TLS handshakes, against a minimal Node TLS server in the same conditions.
# Server pinned to CPU1, ab (-c50, new TLS connection per request, no resumption) on CPU0.
# Prints RSS / smaps_rollup / process.memoryUsage() idle, right after the load and after IDLE s.
# usage: SUBJECT=door|echo N=30000 IDLE=30 ENVS="MALLOC_ARENA_MAX=2" NODE_ARGS="--expose-gc --max-semi-space-size=4" \
#          bash bench/tls-memory.sh
# With --expose-gc each sample runs a full GC first, so heapUsed shows what is retained.
set -euo pipefail
cd "$(dirname "$0")/.."
W=bench/work; SUBJECT=${SUBJECT:-door}; N=${N:-30000}; IDLE=${IDLE:-30}; PORT=${PORT:-28990}; UP=$((PORT+1))
NODE=node_modules/.bin/node; [ -x "$NODE" ] || NODE=node   # the project's Node 24 (type stripping)
[ -s "$W/certs/plex.pem" ] || { echo "run npm run bench once first: it creates $W/certs"; exit 2; }
log=$(mktemp); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -f "$log"; }
trap cleanup EXIT
taskset -c 0 "$NODE" -e "require('node:http').createServer((q,s)=>s.end('x'.repeat(200))).listen($UP,'127.0.0.1')" & pids+=($!)
case $SUBJECT in
  door) args=(bench/door-server.ts "$PORT" "$UP" "$UP" "$W/certs/plex.key" "$W/certs/plex.pem") ;;
  echo) args=(bench/tls-echo-server.ts "$PORT" "$W/certs/plex.key" "$W/certs/plex.pem") ;;
  *) echo "SUBJECT must be door or echo"; exit 2 ;;
esac
# shellcheck disable=SC2086
env ${ENVS:-} taskset -c 1 "$NODE" ${NODE_ARGS:-} "${args[@]}" > "$log" 2>&1 & pids+=($!); srv=$!
for _ in $(seq 100); do grep -q ready "$log" && break; sleep 0.1; done
sample() {
  kill -USR2 "$srv"; sleep 0.5
  local mem; mem=$(grep memory "$log" | tail -1)
  local sm; sm=$(awk '/^(Rss|Anonymous):/{printf "%s%d ", $1, $2/1024}' /proc/"$srv"/smaps_rollup)
  echo "$1: ${mem#memory } | smaps MB: $sm"
}
sample idle
unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/conf/hosts" \
  env OPENSSL_CONF="$W/conf/client-openssl.cnf" SSL_CERT_FILE="$W/certs/root.crt" \
  taskset -c 0 ab -q -n "$N" -c 50 "https://plex.example.test:$PORT/tiny" | grep -E 'Requests per second|Failed|Non-2xx' || true
sample "after $N"
sleep "$IDLE"
sample "after ${IDLE}s idle"
