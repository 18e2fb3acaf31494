#!/usr/bin/env bash
# The project's whole test suite, from a fresh clone on a fresh machine: installs what it needs
# (scripts/setup.sh), checks style, runs the native core tests, builds the package, runs the
# wasm-bindgen tests in Node and every Node test (simulator, client, browser, packaging, ...),
# the last three as parallel groups.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
export PATH="${CLOUDTOWER_TOOLS_DIR:-$HOME/.cache/cloudtower-wasm}/wasm-bindgen-$WASM_BINDGEN_VERSION/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step "style: rustfmt, clippy (native and wasm32), eslint"
cargo fmt --check
cargo clippy --quiet --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --all-targets -- -D warnings
npx --no-install eslint .

step "core: native cargo test"
cargo test --quiet --lib --test properties

step "package: build pkg/"
bash scripts/build.sh

# Three independent groups at once: the CPU-bound ones share the 2 cores with the packaging and
# runtime suites, which mostly wait on npm installs, child processes and browsers. Each group
# writes its own log, printed whole (with node's closing summary) once all have ended.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
group() {
  local name=$1; shift
  ( set +e; "$@" >"$logs/$name.log" 2>&1; echo $? >"$logs/$name.rc" ) &
}
group "facade: wasm-bindgen-test in Node" env CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test facade
mapfile -t suites < <(find tests -mindepth 1 -maxdepth 1 -type d ! -name packaging ! -name runtimes | sort)
group "node --test: simulator, generated types, client, browser, console, CLI, hostile" \
  node --test --test-reporter=spec "${suites[@]}"
group "node --test: packaging (npm, pnpm, TypeScript, esbuild, Vite) and runtimes (Bun, Deno, workerd)" \
  node --test --test-reporter=spec tests/packaging tests/runtimes
wait

failed=0
for rc in "$logs"/*.rc; do
  name=$(basename "$rc" .rc)
  step "$name"
  cat "$logs/$name.log"
  [ "$(cat "$rc")" = 0 ] || { failed=1; printf '\n== FAILED: %s\n' "$name"; }
done
exit "$failed"
