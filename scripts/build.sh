#!/usr/bin/env bash
# Installs the dependencies and builds into build/: with no argument everything (trackd, its
# tests and benchmarks; the test command needs all of it), otherwise only the named targets
# and what they depend on (scripts/run_server.sh builds only trackd).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build "${targets[@]}" -j2
