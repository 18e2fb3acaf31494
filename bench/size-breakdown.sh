#!/usr/bin/env bash
# Where the .wasm's bytes go: builds the release wasm with its function names kept, optimises it
# like scripts/build.sh does (wasm-opt -Oz) and prints twiggy's biggest items. twiggy is built
# once from crates.io into the tools cache. Usage: bash bench/size-breakdown.sh [N items]
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${CLOUDTOWER_TOOLS_DIR:-$HOME/.cache/cloudtower-wasm}"
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
export PATH="$TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION/bin:$TOOLS/twiggy/bin:$PATH"
command -v twiggy >/dev/null || cargo install twiggy --root "$TOOLS/twiggy"
cargo build --quiet --target wasm32-unknown-unknown --release
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
raw=target/wasm32-unknown-unknown/release/cloudtower_wasm.wasm
wasm-bindgen --target web --out-dir "$out/named" "$raw"
wasm-bindgen --target web --remove-name-section --out-dir "$out/shipped" "$raw"
node_modules/.bin/wasm-opt -Oz -g "$out/named/cloudtower_wasm_bg.wasm" -o "$out/named.wasm"
node_modules/.bin/wasm-opt -Oz "$out/shipped/cloudtower_wasm_bg.wasm" -o "$out/shipped.wasm"
echo "shipped: $(stat -c %s "$out/shipped.wasm") bytes raw, $(gzip -9c "$out/shipped.wasm" | wc -c) gzip -9"
twiggy top -n "${1:-10}" "$out/named.wasm"
