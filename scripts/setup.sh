#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, on a fresh machine or this one.
# Idempotent: each step is skipped when its result is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)
TOOLS="${CLOUDTOWER_TOOLS_DIR:-$HOME/.cache/cloudtower-wasm}"
WASM_BINDGEN_ROOT="$TOOLS/wasm-bindgen-$WASM_BINDGEN_VERSION"
export PATH="$WASM_BINDGEN_ROOT/bin:$PATH"

step() { printf '\n== %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the crate's wasm-bindgen exactly; it is built once into a cache folder
# (2.5-8 minutes cold) and reused. No --locked: a locked dependency is missing from the mirror.
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION -> $WASM_BINDGEN_ROOT"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$WASM_BINDGEN_ROOT"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm packages"
  npm ci --no-audit --no-fund
fi

SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
apt_install() {
  [ -n "${APT_UPDATED:-}" ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# curl and jq replay the README's curl session; openssl makes the CLI tests' certificates (the
# other suites use the selfsigned npm package); nginx runs the README's location block.
for tool in curl jq openssl; do
  command -v "$tool" >/dev/null || { step "$tool (Debian package)"; apt_install "$tool"; }
done
if [ ! -x /usr/sbin/nginx ]; then
  step "nginx (Debian package)"
  apt_install nginx
fi

if [ "${SETUP_BROWSER:-1}" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  step "chromium and chromedriver (Debian packages)"
  apt_install chromium chromium-driver
fi
