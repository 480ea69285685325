#!/usr/bin/env bash
# Validates the Helm chart deploy/helm/trackd offline: helm lint, helm template for each mode,
# strict Kubernetes schema validation, the chart's own checks, and proof that they catch a
# broken chart. The same test runs in scripts/test.sh as the ctest test deploy_chart.
# First run installs the pinned helm (Go module proxy) and kubernetes-validate (PyPI) into
# build/tools; later runs take about ten seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash tests/deploy/check_chart.sh "$@"
