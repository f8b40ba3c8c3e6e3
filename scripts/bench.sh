#!/usr/bin/env bash
# Benchmarks, each printed as a ratio against a baseline measured in the same run.
# BENCH_SECONDS sets each phase's length (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --features server --bench auth
