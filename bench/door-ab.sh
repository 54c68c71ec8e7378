#!/usr/bin/env bash
# bench/door-ab.sh — two builds of the door side by side: CPU per small request, A against B.
#
# On a shared, noisy machine two runs one after the other differ by more than most changes do; two
# doors running at the same time, pinned to the same core and loaded alike, share the noise, so their
# ratio holds (docs/bench.md, "Comparing two builds"). Both get `wrk -c25` on the 200 B response, one
# wrk each on CPU0; each door's CPU time (utime+stime) over the round is divided by its requests.
#
# usage: bench/door-ab.sh <door-server.ts of A> <door-server.ts of B>
#   e.g. git worktree add /tmp/before <rev> && cp -al node_modules /tmp/before/ &&
#        bench/door-ab.sh /tmp/before/bench/door-server.ts bench/door-server.ts
# env: ROUNDS=4 DUR=3 (seconds per round)  LOAD=hs (ab -c25: a new TLS handshake per request, instead of wrk)  A_ENV / B_ENV="NAME=value ..." (environment of each door)
#      A_ARGS / B_ARGS="--flag ..." (node flags after the shipped ones; a later V8 flag wins)
# Each door-server.ts is built to JavaScript first (bench/door-js.sh), as run.sh runs it.
# Needs bench/work from one `npm run bench` (certificates, nginx config); uses its backend ports.
set -u -o pipefail
B=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$B"); W=$B/work
NODE=$ROOT/node_modules/.bin/node
SA=${1:?usage: door-ab.sh <door-server.ts A> <door-server.ts B>}; SB=${2:?usage: door-ab.sh <door-server.ts A> <door-server.ts B>}
[ -f "$W/conf/nginx.conf" ] && [ -f "$W/certs/plex.crt" ] || { echo "door-ab: run 'QUICK=1 TESTS=small SUBJECTS=door npm run bench' once first (it makes bench/work)" >&2; exit 2; }
BACKEND=$(grep -o 'listen 127.0.0.1:[0-9]*' "$W/conf/nginx.conf" | head -1 | cut -d: -f2)
ORIGIN=$(grep -o 'listen 127.0.0.1:[0-9]* ssl' "$W/conf/nginx.conf" | head -1 | cut -d: -f2 | cut -d' ' -f1)
PA=$((BACKEND + 20)); PB=$((BACKEND + 21))
SHIP_FLAGS=$(bash "$B/ship-flags.sh")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
taskset -c 0 nginx -e "$W/logs/ab-nginx.err" -c "$W/conf/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 & pids+=($!)
# shellcheck disable=SC2086  # flag and env lists
JA=$W/run/ab-a.mjs; JB=$W/run/ab-b.mjs
bash "$B/door-js.sh" "$SA" "$JA" && bash "$B/door-js.sh" "$SB" "$JB" || { echo "door-ab: could not build $SA or $SB to JavaScript" >&2; exit 1; }
taskset -c 1 env ${A_ENV:-} "$NODE" $SHIP_FLAGS ${A_ARGS:-} "$JA" $PA "$BACKEND" "$ORIGIN" "$W/certs/plex.key" "$W/certs/plex.crt" > "$W/logs/ab-a.out" 2>&1 & pids+=($!)
# shellcheck disable=SC2086
taskset -c 1 env ${B_ENV:-} "$NODE" $SHIP_FLAGS ${B_ARGS:-} "$JB" $PB "$BACKEND" "$ORIGIN" "$W/certs/plex.key" "$W/certs/plex.crt" > "$W/logs/ab-b.out" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q ready "$W/logs/ab-a.out" && grep -q ready "$W/logs/ab-b.out" && break; sleep 0.1; done
DA=$(grep -o 'pid=[0-9]*' "$W/logs/ab-a.out" | cut -d= -f2); DB=$(grep -o 'pid=[0-9]*' "$W/logs/ab-b.out" | cut -d= -f2)
[ -n "$DA" ] && [ -n "$DB" ] || { echo "door-ab: a door did not start; see $W/logs/ab-a.out and ab-b.out" >&2; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() {  # seconds port outfile; prints nothing, the outfile says how many requests
  local tool=(wrk -t1 -c25 -d"$1"s)
  [ "${LOAD:-small}" = hs ] && tool=(ab -q -c25 -t "$1" -n 10000000)
  taskset -c 0 unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/conf/hosts" \
    env OPENSSL_CONF="$W/conf/client-openssl.cnf" SSL_CERT_FILE="$W/certs/root.crt" "${tool[@]}" "https://plex.example.test:$2/tiny" > "$3" 2>&1
}
requests() { awk '/requests in/{print $1} /^Complete requests/{print $3}' "$1"; }
load 2 $PA /dev/null & w1=$!; load 2 $PB /dev/null & w2=$!; wait $w1 $w2  # warm both
echo "A = $SA${A_ENV:+ ($A_ENV)}${A_ARGS:+ [$A_ARGS]}"; echo "B = $SB${B_ENV:+ ($B_ENV)}${B_ARGS:+ [$B_ARGS]}"
for r in $(seq "${ROUNDS:-4}"); do
  a0=$(cpu "$DA"); b0=$(cpu "$DB")
  load "${DUR:-3}" $PA "$W/logs/ab-wa.out" & j1=$!; load "${DUR:-3}" $PB "$W/logs/ab-wb.out" & j2=$!; wait $j1 $j2
  a1=$(cpu "$DA"); b1=$(cpu "$DB")
  ra=$(requests "$W/logs/ab-wa.out"); rb=$(requests "$W/logs/ab-wb.out")
  awk -v r="$r" -v a=$((a1 - a0)) -v b=$((b1 - b0)) -v x="$ra" -v y="$rb" 'BEGIN {
    printf "round %d: A %.1f µs/request (%d requests)  B %.1f µs/request (%d requests)  B/A %.2f\n", r, a*1e4/x, x, b*1e4/y, y, (b/y)/(a/x) }'
done
