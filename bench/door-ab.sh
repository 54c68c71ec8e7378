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
# env: ROUNDS=4 DUR=3 (seconds per round)  A_ENV / B_ENV="NAME=value ..." (environment of each door)
#      SWAP=1: run the rounds again with the two doors' places swapped (the first port and the first
#      start are worth a few percent); the summary line is over both placements.
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
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() {  # seconds port outfile
  taskset -c 0 unshare -m sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$W/conf/hosts" \
    env SSL_CERT_FILE="$W/certs/root.crt" wrk -t1 -c25 -d"$1"s "https://plex.example.test:$2/tiny" > "$3" 2>&1
}
start_door() {  # server env port log
  # shellcheck disable=SC2086  # flag and env lists
  taskset -c 1 env $2 "$NODE" $SHIP_FLAGS "$1" "$3" "$BACKEND" "$ORIGIN" "$W/certs/plex.key" "$W/certs/plex.crt" > "$4" 2>&1 & pids+=($!)
}
ratios=()
# One placement: X on the first port (started first), Y on the second. Prints each round's Y/X.
placement() {  # label-x server-x env-x label-y server-y env-y
  local PX=$((BACKEND + 20)) PY=$((BACKEND + 21)) DX DY
  taskset -c 0 nginx -e "$W/logs/ab-nginx.err" -c "$W/conf/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 & pids+=($!)
  start_door "$2" "$3" $PX "$W/logs/ab-x.out"
  start_door "$5" "$6" $PY "$W/logs/ab-y.out"
  for _ in $(seq 100); do grep -q ready "$W/logs/ab-x.out" && grep -q ready "$W/logs/ab-y.out" && break; sleep 0.1; done
  DX=$(grep -o 'pid=[0-9]*' "$W/logs/ab-x.out" | cut -d= -f2); DY=$(grep -o 'pid=[0-9]*' "$W/logs/ab-y.out" | cut -d= -f2)
  [ -n "$DX" ] && [ -n "$DY" ] || { echo "door-ab: a door did not start; see $W/logs/ab-x.out and ab-y.out" >&2; exit 1; }
  load 2 $PX /dev/null & w1=$!; load 2 $PY /dev/null & w2=$!; wait $w1 $w2  # warm both
  echo "$1 on the first port, $4 on the second:"
  for r in $(seq "${ROUNDS:-4}"); do
    x0=$(cpu "$DX"); y0=$(cpu "$DY")
    load "${DUR:-3}" $PX "$W/logs/ab-wx.out" & j1=$!; load "${DUR:-3}" $PY "$W/logs/ab-wy.out" & j2=$!; wait $j1 $j2
    x1=$(cpu "$DX"); y1=$(cpu "$DY")
    rx=$(awk '/requests in/{print $1}' "$W/logs/ab-wx.out"); ry=$(awk '/requests in/{print $1}' "$W/logs/ab-wy.out")
    line=$(awk -v r="$r" -v a=$((x1 - x0)) -v b=$((y1 - y0)) -v x="$rx" -v y="$ry" -v lx="$1" -v ly="$4" 'BEGIN {
      printf "  round %d: %s %.1f µs/request (%d requests)  %s %.1f µs/request (%d requests)  %s/%s %.3f\n", r, lx, a*1e4/x, x, ly, b*1e4/y, y, ly, lx, (b/y)/(a/x) }')
    echo "$line"
    ratios+=("$(awk -v lx="$1" '{print ($NF == "" ? "" : (lx == "A" ? $NF : 1 / $NF))}' <<< "$line")")
  done
  cleanup
}
echo "A = $SA${A_ENV:+ ($A_ENV)}"; echo "B = $SB${B_ENV:+ ($B_ENV)}"
placement A "$SA" "${A_ENV:-}" B "$SB" "${B_ENV:-}"
# The same pair with the places swapped: whatever the first port or the first start is worth cancels out.
[ "${SWAP:-1}" = 1 ] && placement B "$SB" "${B_ENV:-}" A "$SA" "${A_ENV:-}"
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1; l += log($1) } END {
  printf "B/A over %d rounds: geometric mean %.3f, median %.3f, range %.3f-%.3f\n", NR, exp(l / NR), (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR] }'
