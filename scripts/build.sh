#!/usr/bin/env bash
# Builds the npm package into pkg/: cargo (release, size-tuned) -> the pinned wasm-bindgen CLI
# (web and nodejs glue) -> wasm-opt from the npm package binaryen -> pkg-template stamped around it.
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
export PATH="${CLOUDTOWER_TOOLS_DIR:-$HOME/.cache/cloudtower-wasm}/wasm-bindgen-$WASM_BINDGEN_VERSION/bin:$PATH"

cargo build --quiet --target wasm32-unknown-unknown --release
raw=target/wasm32-unknown-unknown/release/cloudtower_wasm.wasm
rm -rf build pkg
for target in web nodejs; do
  wasm-bindgen --target "$target" --remove-name-section --out-dir "build/$target" "$raw"
done
# Both targets must import the same things so that one .wasm serves both glues.
cmp -s build/web/cloudtower_wasm_bg.wasm build/nodejs/cloudtower_wasm_bg.wasm || {
  echo "web and nodejs builds differ: cannot share one .wasm" >&2; exit 1; }

mkdir -p pkg/wasm
node_modules/.bin/wasm-opt -Oz build/web/cloudtower_wasm_bg.wasm -o pkg/wasm/cloudtower_wasm_bg.wasm
cp build/web/cloudtower_wasm.js pkg/wasm/web.mjs
cp build/web/cloudtower_wasm.d.ts pkg/wasm/web.d.mts
cp build/nodejs/cloudtower_wasm.js pkg/wasm/node.cjs
node scripts/stamp-package.mjs
