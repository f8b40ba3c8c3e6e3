#!/usr/bin/env bash
# Builds the release bundle an operator ships: DIR/server plus DIR/public/
# (default DIR: target/bundle): the full wasm and the public pages' smaller one,
# both built without debug symbols.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
out="${1:-target/bundle}"
# Old hashed assets pile up here and would be copied into the bundle (docs/TOOLCHAIN.md).
rm -rf target/dx/gatehouse/release/web/public/assets "$out"
dx bundle --platform web --release --debug-symbols false --out-dir "$out" >&2

# The public pages' wasm (Cargo feature `public-pages`, docs/DESIGN.md §8 "Page
# weight"): the same app without the account area, the admin area and the
# authorization pages, put beside the full build as assets/public-pages-*.js (its
# wasm keeps dx's name). The server sends it with the public pages.
built=target/dx/gatehouse/release/web/public/assets
rm -rf "$built"
dx build --platform web --release --fullstack false --features public-pages \
  --debug-symbols false >&2
for script in "$built"/gatehouse-dxh*.js "$built"/gatehouse-dxh*.js.br; do
  cp "$script" "$out/public/assets/public-pages-${script##*/gatehouse-}"
done
cp "$built"/gatehouse_bg-dxh*.wasm "$built"/gatehouse_bg-dxh*.wasm.br "$out/public/assets/"
ls "$out/server" "$out/public" >/dev/null
echo "$out"
