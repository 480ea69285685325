#!/usr/bin/env bash
# Builds everything once and runs every test: unit and integration tests under
# ctest (-j2), including `buf lint` of the contract. Slow load and soak runs are
# not here; see scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
# Node and npm come with the machine image; if missing, Debian's are used.
command -v npm >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
(cd tools && npm ci --no-audit --no-fund --loglevel=error)
bash scripts/build.sh
ctest --test-dir build -j2 --output-on-failure --timeout 600
