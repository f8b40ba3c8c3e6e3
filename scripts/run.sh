#!/usr/bin/env bash
# Runs Gatehouse for development on SQLite: installs the build tools once (cached),
# then `dx serve` with hot reload. Open http://127.0.0.1:8080/register.
# SMS codes land in data/sms-outbox.jsonl (and in the log).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
exec dx serve --platform web "$@"
