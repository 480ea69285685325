#!/usr/bin/env bash
# A real Prometheus scraping a real trackd on loopback (issue 14), run by ctest as
# deploy_prometheus_scrape: Debian's Prometheus 2.42 (scripts/install_prometheus.sh, installed
# into build/tools/prometheus on first use) scrapes a trackd started with bearer tokens; a
# known sequence of trackctl calls must come back through Prometheus' HTTP API as the exact
# counts it implies, every name and label Prometheus stored must follow its naming
# conventions, and `promtool check metrics` must find nothing in trackd's /metrics. The
# checks' self-tests (crafted bad names must fail) run first. prometheus_scrape_test.py does
# the work (Python's standard library only); see its opening comment.
#
# usage: tests/deploy/prometheus_scrape_test.sh [--trackd PATH] [--trackctl PATH]
#        (by hand from the repository root: defaults build/server/trackd and
#        build/tools/trackctl/trackctl)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/deploy/common.sh
source "$here/common.sh"
parse_binaries "$@"
for bin in "$trackd" "$trackctl"; do
  if ! [ -x "$bin" ]; then
    echo "FAIL no executable $bin (build trackd and trackctl first: scripts/build.sh)" >&2
    exit 1
  fi
done

prometheus_dir=$(bash "$root/scripts/install_prometheus.sh")
version=$("$prometheus_dir/promtool" --version 2>&1 | head -1)
echo "Prometheus and promtool: $prometheus_dir ($version)"

# The Python side stops trackd and Prometheus on its way out (also on SIGTERM); the trap makes
# sure it is told when this script is interrupted or killed by ctest's timeout.
python3 "$here/prometheus_scrape_test.py" --trackd "$trackd" --trackctl "$trackctl" \
  --prometheus_dir "$prometheus_dir" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' INT TERM
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
status=0
wait "$pid" || status=$?
trap - EXIT
exit "$status"
