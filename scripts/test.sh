#!/usr/bin/env bash
# The project's whole test suite, from a fresh clone on a fresh machine: installs what it needs
# (scripts/setup.sh), checks style, runs the native core tests, builds the package, runs the
# wasm-bindgen tests in Node and every Node test (simulator, client, browser, packaging, ...).
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

step "facade: wasm-bindgen-test in Node"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test facade

step "node --test: simulator, generated types, client, browser, packaging, console, CLI"
node --test --test-reporter=spec tests/
