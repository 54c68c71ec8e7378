#!/usr/bin/env bash
# Prints the node flags Portico ships with: those on bin/portico.js's shebang line, their one home.
# The bench runs the door and `portico serve` with them (run.sh, door-ab.sh), as users run them.
head -1 "$(cd "$(dirname "$0")/.." && pwd)/bin/portico.js" | sed -E 's/^#!.*[/ ]node( |$)//'
