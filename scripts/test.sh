#!/usr/bin/env bash
# Builds everything once and runs every test of the default suite under ctest
# (-j2): unit, integration (real server, real HTTP receiver, real Kafka broker),
# process, interop, deploy and contract tests (labels: tests/CMakeLists.txt). The
# slow fault tests have their own command, scripts/test_faults.sh; load runs are
# in scripts/bench.sh.
#
#   scripts/test.sh          the full suite (the README's test command)
#   scripts/test.sh --fast   the loop while editing: builds what changed, then runs
#                            only the unit and integration tests (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
fast=no
case "${1:-}" in
  --fast) fast=yes ;;
  "") ;;
  *) echo "usage: $0 [--fast]" >&2; exit 2 ;;
esac
bash scripts/install_deps.sh
if [ "$fast" = no ]; then
  # Node and npm come with the machine image; if missing, Debian's are used.
  command -v npm >/dev/null || bash scripts/apt_install.sh nodejs npm
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi
bash scripts/build.sh
bash tests/kafka/kafka_cluster.sh fetch   # The broker jars, once.
if [ "$fast" = yes ]; then
  exec ctest --test-dir build -j2 -L 'unit|integration' --output-on-failure --timeout 600
fi
exec ctest --test-dir build -j2 -LE faults --output-on-failure --timeout 600
