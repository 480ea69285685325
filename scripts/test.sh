#!/usr/bin/env bash
# Builds everything once and runs every test of the default suite under ctest
# (-j2): unit, integration (real server, real HTTP receiver, real Kafka broker),
# process, interop and contract tests. The slow fault tests have their own
# command, scripts/test_faults.sh; load runs are in scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
# Node and npm come with the machine image; if missing, Debian's are used.
command -v npm >/dev/null || bash scripts/apt_install.sh nodejs npm
(cd tools && npm ci --no-audit --no-fund --loglevel=error)
bash scripts/build.sh
bash tests/kafka/kafka_cluster.sh fetch   # The broker jars, once.
ctest --test-dir build -j2 -LE faults --output-on-failure --timeout 600
