#!/usr/bin/env bash
# Records the current contract as the released one that `buf breaking` checks
# against (proto/baseline/trackd_v1_image.json). Run it only when releasing a
# compatible contract; see docs/contract.md before making a breaking change.
set -euo pipefail
cd "$(dirname "$0")/.."
(cd tools && npm ci --no-audit --no-fund --loglevel=error)
tools/node_modules/.bin/buf build proto -o proto/baseline/trackd_v1_image.json
echo "baseline updated: proto/baseline/trackd_v1_image.json"
