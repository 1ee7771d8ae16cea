#!/usr/bin/env bash
# `make bench`: Civic against the bare stack on this machine, on PostgreSQL (when it answers at 127.0.0.1:5432)
# and on SQLite. BENCH_QUICK=1 for a ~3-minute smoke run. Prints one table; writes bench/results.json.
# Everything listens on 127.0.0.1 only; the PostgreSQL database civic_bench_<random> is dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m bench.harness "$@"
