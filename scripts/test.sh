#!/usr/bin/env bash
# Runs every test from a fresh machine: installs the build tools, Chromium,
# PostgreSQL, playwright-core and openid-client when missing, then formatting,
# clippy on both targets, unit and integration tests (real router; the integration
# suite once on SQLite and once on a throwaway PostgreSQL server), the release
# bundle and the browser tests against it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
step() { printf '\n==> %s\n' "$*" >&2; }

# Chromium, and a CJK font so screenshots of the Chinese pages are readable.
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  step "installing Chromium and a CJK font from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/openid-client ]; then
  step "installing playwright-core and openid-client from npm"
  npm ci --no-audit --no-fund --silent
fi

step "cargo fmt --check"
cargo fmt --all -- --check
step "clippy (server)"
cargo clippy --features server --all-targets -- -D warnings
step "clippy (web, wasm: the full build and the public pages' build)"
cargo clippy --features web --target wasm32-unknown-unknown -- -D warnings
cargo clippy --features public-pages --target wasm32-unknown-unknown -- -D warnings

step "unit and integration tests (SQLite)"
env -u POSTGRES_TEST_URL cargo test --features server

step "integration tests (PostgreSQL)"
source scripts/postgres.sh
trap stop_test_postgres EXIT
cargo test --features server --test api

step "release bundle"
bundle=$(scripts/bundle.sh target/bundle)

step "browser tests (headless Chromium, SQLite)"
env -u POSTGRES_TEST_URL GATEHOUSE_BIN="$PWD/$bundle/server" \
  node --test --test-concurrency=1 tests/browser/

step "browser tests (headless Chromium, PostgreSQL)"
GATEHOUSE_BIN="$PWD/$bundle/server" node --test --test-concurrency=1 tests/browser/
