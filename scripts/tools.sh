#!/usr/bin/env bash
# Installs what building the app needs, once, and puts it on PATH (docs/TOOLCHAIN.md):
# the wasm target, dx 0.7.10, wasm-bindgen-cli matching Cargo.lock, esbuild and
# wasm-opt from npm. Source it: `source scripts/tools.sh`. Each step is skipped when
# its tool already answers with the right version.
set -euo pipefail

GATEHOUSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${GATEHOUSE_TOOLS:-$HOME/.cache/gatehouse-tools}"
DX_VERSION=0.7.10
ESBUILD_VERSION=0.27.3   # the version dx 0.7.10 asks for
BINARYEN_VERSION=129     # Debian's binaryen 108 cannot read the wasm
mkdir -p "$TOOLS_DIR"
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/esbuild/package/bin:$TOOLS_DIR/binaryen/node_modules/.bin:$PATH"
# dx must not download tools itself: its downloads fail on this network.
export NO_DOWNLOADS=1

say() { printf '[tools] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! dx --version 2>/dev/null | grep -q "$DX_VERSION"; then
  say "installing dioxus-cli $DX_VERSION (about 10 minutes, once)"
  cargo install "dioxus-cli@$DX_VERSION" --locked
fi

WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$GATEHOUSE_ROOT/Cargo.lock")
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
  # Not --locked: its lockfile pins a webpki-roots the registry here does not serve.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if ! esbuild --version 2>/dev/null | grep -q "$ESBUILD_VERSION"; then
  say "installing esbuild $ESBUILD_VERSION from npm"
  rm -rf "$TOOLS_DIR/esbuild" && mkdir -p "$TOOLS_DIR/esbuild"
  (cd "$TOOLS_DIR/esbuild" && npm pack --silent "@esbuild/linux-x64@$ESBUILD_VERSION" >/dev/null \
    && tar xzf esbuild-linux-x64-*.tgz && chmod +x package/bin/esbuild)
fi

if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
  say "installing wasm-opt (binaryen $BINARYEN_VERSION) from npm"
  rm -rf "$TOOLS_DIR/binaryen" && mkdir -p "$TOOLS_DIR/binaryen"
  (cd "$TOOLS_DIR/binaryen" && npm install --silent --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null)
fi
