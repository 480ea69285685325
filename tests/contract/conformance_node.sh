#!/usr/bin/env bash
# The conformance corpus (tests/contract/cases/) from the Node package trackd-client:
#   bash tests/contract/conformance_node.sh PATH/TO/trackd
# Lays the package out in a temporary directory with its pinned dependencies (npm ci of
# client/node/package-lock.json), starts trackd on a free loopback port and runs
# client/node/test/conformance.test.js, which sends every case as a dry run.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: conformance_node.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test conformance_node
started=$SECONDS

if ! command -v npm >/dev/null; then
  source "$ROOT/scripts/apt_install.sh"
  apt_install nodejs npm
fi
mkdir "$TMP/package"
for f in package.json package-lock.json .npmrc index.js proto test; do
  cp -r "$ROOT/client/node/$f" "$TMP/package/"
done
(cd "$TMP/package" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
  >"$TMP/npm.log" 2>&1 || { cat "$TMP/npm.log"; exit 1; }
echo "installed in $((SECONDS - started)) s"

start_trackd "$TRACKD"
ran=$SECONDS
(cd "$TMP/package" && TRACKD_TARGET="127.0.0.1:$PORT" TRACKD_CORPUS="$ROOT/tests/contract/cases" \
  timeout 300 node --test test/conformance.test.js)
echo "the corpus ran in $((SECONDS - ran)) s; conformance_node took $((SECONDS - started)) s"
