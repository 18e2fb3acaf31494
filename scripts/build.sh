#!/usr/bin/env bash
# Builds the npm package into pkg/: cargo (release, size-tuned) -> the pinned wasm-bindgen CLI
# (web and nodejs glue) -> wasm-opt from the npm package binaryen -> pkg-template stamped around it.
set -euo pipefail
cd "$(dirname "$0")/.."
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
export PATH="${CLOUDTOWER_TOOLS_DIR:-$HOME/.cache/cloudtower-wasm}/wasm-bindgen-$WASM_BINDGEN_VERSION/bin:$PATH"

cargo build --quiet --target wasm32-unknown-unknown --release
raw=target/wasm32-unknown-unknown/release/cloudtower_wasm.wasm
# Everything is staged in build/ and pkg/ is replaced in one step at the end, so tests running
# against pkg/ meanwhile never see a half-built package.
rm -rf build
for target in web nodejs; do
  wasm-bindgen --target "$target" --remove-name-section --out-dir "build/$target" "$raw"
done
# Both targets must import the same things so that one .wasm serves both glues.
cmp -s build/web/cloudtower_wasm_bg.wasm build/nodejs/cloudtower_wasm_bg.wasm || {
  echo "web and nodejs builds differ: cannot share one .wasm" >&2; exit 1; }

stage=build/pkg
mkdir -p "$stage/wasm"
node_modules/.bin/wasm-opt -Oz build/web/cloudtower_wasm_bg.wasm -o "$stage/wasm/cloudtower_wasm_bg.wasm"
sed 's|@ts-self-types="./cloudtower_wasm.d.ts"|@ts-self-types="./web.d.mts"|' build/web/cloudtower_wasm.js > "$stage/wasm/web.mjs"
# The shipped declarations keep the client's types only: `[Symbol.dispose]` needs TypeScript's
# esnext.disposable lib, and the loader's (InitInput, initSync, default init) need the DOM lib;
# the package entry declares its own `init`. Both stay at run time.
sed -e '/^    \[Symbol.dispose\](): void;$/d' -e '/^export type InitInput/,$d' build/web/cloudtower_wasm.d.ts > "$stage/wasm/web.d.mts"
cp build/nodejs/cloudtower_wasm.js "$stage/wasm/node.cjs"
node scripts/stamp-package.mjs "$stage"
rm -rf pkg.old && { [ ! -d pkg ] || mv pkg pkg.old; } && mv "$stage" pkg && rm -rf pkg.old
