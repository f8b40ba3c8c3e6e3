#!/usr/bin/env bash
# Builds the release bundle an operator ships: DIR/server plus DIR/public/
# (default DIR: target/bundle). The wasm is built without debug symbols.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
out="${1:-target/bundle}"
# Old hashed assets pile up here and would be copied into the bundle (docs/TOOLCHAIN.md).
rm -rf target/dx/gatehouse/release/web/public/assets "$out"
dx bundle --platform web --release --debug-symbols false --out-dir "$out" >&2
ls "$out/server" "$out/public" >/dev/null
echo "$out"
