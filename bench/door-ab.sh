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
#      SWAP=1: run the rounds again with the two doors' places swapped (the first port and the first
#      start are worth a few percent); the summary line is over both placements.
# Each door-server.ts is built to JavaScript first (bench/door-js.sh), as run.sh runs it.
# Needs bench/work from one `npm run bench` (certificates, nginx config); uses its backend ports.
set -u -o pipefail
B=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$B"); W=$B/work
NODE=$ROOT/node_modules/.bin/node
SA=${1:?usage: door-ab.sh <door-server.ts A> <door-server.ts B>}; SB=${2:?usage: door-ab.sh <door-server.ts A> <door-server.ts B>}
[ -f "$W/conf/nginx.conf" ] && [ -f "$W/certs/plex.crt" ] || { echo "door-ab: run 'QUICK=1 TESTS=small SUBJECTS=door npm run bench' once first (it makes bench/work)" >&2; exit 2; }
BACKEND=$(grep -o 'listen 127.0.0.1:[0-9]*' "$W/conf/nginx.conf" | head -1 | cut -d: -f2)
ORIGIN=$(grep -o 'listen 127.0.0.1:[0-9]* ssl' "$W/conf/nginx.conf" | head -1 | cut -d: -f2 | cut -d' ' -f1)
SHIP_FLAGS=$(bash "$B/ship-flags.sh")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; pids=(); }
trap cleanup EXIT
JA=$W/run/ab-a.mjs; JB=$W/run/ab-b.mjs
bash "$B/door-js.sh" "$SA" "$JA" && bash "$B/door-js.sh" "$SB" "$JB" || { echo "door-ab: could not build $SA or $SB to JavaScript" >&2; exit 1; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() {  # seconds port outfile; prints nothing, the outfile says how many requests
  local tool=(wrk -t1 -c25 -d"$1"s)
  [ "${LOAD:-small}" = hs ] && tool=(ab -q -c25 -t "$1" -n 10000000)
  taskset -c 0 unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/conf/hosts" \
    env OPENSSL_CONF="$W/conf/client-openssl.cnf" SSL_CERT_FILE="$W/certs/root.crt" "${tool[@]}" "https://plex.example.test:$2/tiny" > "$3" 2>&1
}
requests() { awk '/requests in/{print $1} /^Complete requests/{print $3}' "$1"; }
start_door() {  # built-door env node-args port log
  # shellcheck disable=SC2086  # flag and env lists
  taskset -c 1 env $2 "$NODE" $SHIP_FLAGS $3 "$1" "$4" "$BACKEND" "$ORIGIN" "$W/certs/plex.key" "$W/certs/plex.crt" > "$5" 2>&1 & pids+=($!)
}
ratios=()
# One placement: X on the first port (started first), Y on the second. Prints each round's Y/X.
placement() {  # label-x built-x env-x args-x label-y built-y env-y args-y
  local PX=$((BACKEND + 20)) PY=$((BACKEND + 21)) DX DY
  taskset -c 0 nginx -e "$W/logs/ab-nginx.err" -c "$W/conf/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 & pids+=($!)
  start_door "$2" "$3" "$4" $PX "$W/logs/ab-x.out"
  start_door "$6" "$7" "$8" $PY "$W/logs/ab-y.out"
  for _ in $(seq 100); do grep -q ready "$W/logs/ab-x.out" && grep -q ready "$W/logs/ab-y.out" && break; sleep 0.1; done
  DX=$(grep -o 'pid=[0-9]*' "$W/logs/ab-x.out" | cut -d= -f2); DY=$(grep -o 'pid=[0-9]*' "$W/logs/ab-y.out" | cut -d= -f2)
  [ -n "$DX" ] && [ -n "$DY" ] || { echo "door-ab: a door did not start; see $W/logs/ab-x.out and ab-y.out" >&2; exit 1; }
  load 2 $PX /dev/null & w1=$!; load 2 $PY /dev/null & w2=$!; wait $w1 $w2  # warm both
  echo "$1 on the first port, $5 on the second:"
  for r in $(seq "${ROUNDS:-4}"); do
    x0=$(cpu "$DX"); y0=$(cpu "$DY")
    load "${DUR:-3}" $PX "$W/logs/ab-wx.out" & j1=$!; load "${DUR:-3}" $PY "$W/logs/ab-wy.out" & j2=$!; wait $j1 $j2
    x1=$(cpu "$DX"); y1=$(cpu "$DY")
    rx=$(requests "$W/logs/ab-wx.out"); ry=$(requests "$W/logs/ab-wy.out")
    line=$(awk -v r="$r" -v a=$((x1 - x0)) -v b=$((y1 - y0)) -v x="$rx" -v y="$ry" -v lx="$1" -v ly="$5" 'BEGIN {
      printf "  round %d: %s %.1f µs/request (%d requests)  %s %.1f µs/request (%d requests)  %s/%s %.3f\n", r, lx, a*1e4/x, x, ly, b*1e4/y, y, ly, lx, (b/y)/(a/x) }')
    echo "$line"
    ratios+=("$(awk -v lx="$1" '{print ($NF == "" ? "" : (lx == "A" ? $NF : 1 / $NF))}' <<< "$line")")
  done
  cleanup
}
echo "A = $SA${A_ENV:+ ($A_ENV)}${A_ARGS:+ [$A_ARGS]}"; echo "B = $SB${B_ENV:+ ($B_ENV)}${B_ARGS:+ [$B_ARGS]}"
placement A "$JA" "${A_ENV:-}" "${A_ARGS:-}" B "$JB" "${B_ENV:-}" "${B_ARGS:-}"
# The same pair with the places swapped: whatever the first port or the first start is worth cancels out.
[ "${SWAP:-1}" = 1 ] && placement B "$JB" "${B_ENV:-}" "${B_ARGS:-}" A "$JA" "${A_ENV:-}" "${A_ARGS:-}"
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1; l += log($1) } END {
  printf "B/A over %d rounds: geometric mean %.3f, median %.3f, range %.3f-%.3f\n", NR, exp(l / NR), (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
