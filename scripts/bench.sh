#!/usr/bin/env bash
# Benchmarks, each printed as a ratio against a baseline measured in the same run:
# - benches/auth.rs: argon2 baselines, then sign-up and sign-in through HTTP on
#   SQLite and on PostgreSQL, page latency under load, memory, and GET /register
#   against a bare axum server of the same bytes;
# - the release wasm of the public pages (feature `public-pages`) and of the full
#   app, raw / gzip / brotli, against a Dioxus 0.7 fullstack hello world
#   (benches/hello: Dioxus 0.7.10's own examples/07-fullstack/hello-world) built
#   the same way, all without debug symbols;
# - what a first-time visitor of the sign-up page downloads, brotli as the
#   server sends it, file by file (scripts/page_weight.py), to see what the
#   public pages carry as the admin area and the account center grow;
# - the time from navigation to a usable sign-up form in headless Chromium on
#   Fast 3G and Slow 3G with the CPU slowed 4x, cold and warm cache, median of 5,
#   against the hello world's time to a working button in the same run
#   (scripts/time_to_usable.mjs);
# - the time from pressing "Sign in" to a usable account page on the same slow
#   phones, with the full build prefetched by the sign-in page against the same
#   visit with the prefetch blocked (scripts/time_to_account.mjs);
# - the proof of work before an SMS: the server's check against one argon2id
#   verify and the native search rate (benches/auth.rs), and the wasm's solve time
#   in Chromium at 16 and 20 bits, this CPU and 4x slower, the ratio between them
#   (scripts/pow_solve_time.mjs).
# BENCH_SECONDS sets each rate phase's length (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

bundle=$(scripts/bundle.sh target/bundle)
hello_out="$PWD/target/bench-hello/bundle"
(
  cd benches/hello
  cp ../../Cargo.lock Cargo.lock 2>/dev/null || true
  rm -rf "$hello_out" ../../target/bench-hello/target/dx/hello/release/web/public/assets
  CARGO_TARGET_DIR="$PWD/../../target/bench-hello/target" \
    dx bundle --platform web --release --debug-symbols false --out-dir "$hello_out" >&2
)

python3 - "$bundle/public/assets" "$hello_out/public/assets" <<'PY'
import glob, gzip, os, re, sys
def sizes(path):
    data = open(path, "rb").read()
    return len(data), len(gzip.compress(data, 9)), os.path.getsize(path + ".br")
def wasm_of(script):
    """The wasm a dx script loads (its name is in the script)."""
    name = re.search(rb"[\w-]+_bg-dxh[0-9a-f]+\.wasm", open(script, "rb").read()).group().decode()
    return os.path.join(os.path.dirname(script), name)
app, hello = sys.argv[1], sys.argv[2]
(hello_wasm,) = glob.glob(os.path.join(hello, "*.wasm"))
(public_script,) = glob.glob(os.path.join(app, "public-pages-*.js"))
public_wasm = wasm_of(public_script)
(full_wasm,) = [w for w in glob.glob(os.path.join(app, "*.wasm")) if w != public_wasm]
h = sizes(hello_wasm)
for label, path, target in (("public pages", public_wasm, "<= 1.2"), ("full app", full_wasm, "")):
    for name, a, b in zip(("raw", "gzip -9", "brotli (dx)"), sizes(path), h):
        aim = f" (target {target})" if target and name.startswith("brotli") else ""
        print(f"wasm of the {label}, {name}: Gatehouse {a:,} bytes, hello world {b:,} bytes -> ratio {a / b:.2f}{aim}")
PY

python3 scripts/page_weight.py "$bundle/server" /register

# Time to a usable sign-up form on a slow phone, cold and warm cache (Chromium).
if [ ! -d node_modules/playwright-core ]; then npm ci --no-audit --no-fund --silent; fi
if ! command -v chromium >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
GATEHOUSE_BIN="$PWD/$bundle/server" HELLO_BIN="$hello_out/server" node scripts/time_to_usable.mjs
# After sign-in: the account page with the full build prefetched by the sign-in page, and without.
GATEHOUSE_BIN="$PWD/$bundle/server" node scripts/time_to_account.mjs
# The proof of work before an SMS, solved by the wasm in Chromium (16 and 20 bits).
GATEHOUSE_BIN="$PWD/$bundle/server" node scripts/pow_solve_time.mjs

source scripts/postgres.sh
trap stop_test_postgres EXIT
cargo bench --features server --bench auth
