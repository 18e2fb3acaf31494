#!/usr/bin/env bash
# The README's first command: installs what the demo needs, builds the package and starts the
# admin console on the bundled simulator (or, with --upstream URL, on a real CloudTower).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_BROWSER=0 bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/demo.mjs "$@"
