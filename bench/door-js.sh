#!/usr/bin/env bash
# Builds a door-server.ts into one JavaScript file, so the bench runs the door as Portico ships it: compiled
# (bin/portico.js runs dist/), never through Node's TypeScript stripper, which alone holds ~37 MB (docs/bench.md).
# A fresh bundle each run, from the sources as they are (a dist/ left from an earlier build could be stale).
# usage: bench/door-js.sh <door-server.ts> <out.mjs>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: door-js.sh <door-server.ts> <out.mjs>}; out=${2:?usage: door-js.sh <door-server.ts> <out.mjs>}
"$ROOT/node_modules/.bin/esbuild" "$src" --bundle --platform=node --format=esm --packages=external --target=node24 \
  --outfile="$out" --log-level=warning
