#!/usr/bin/env bash
# The benchmark: installs what is missing (scripts/setup.sh, idempotent), builds the release
# package into pkg/ (scripts/build.sh), then runs bench/bench.mjs, which prints a table (ours vs
# plain fetch, targets, MISSED where a target is missed) and writes bench/results/latest.json.
#   bash scripts/bench.sh            # full run (several minutes)
#   bash scripts/bench.sh --quick    # smoke mode: small sizes, few rounds
# Not part of the test command's pass/fail: a missed target is reported, not fatal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node --expose-gc bench/bench.mjs "$@"
