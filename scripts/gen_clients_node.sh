#!/usr/bin/env bash
# Sets up trackd's Node client in build/clients/node (never committed): installs the pinned
# packages of client/node/package-lock.json there with `npm ci`. The Node client needs no
# generated code: @grpc/proto-loader loads proto/trackd/v1/track.proto at run time, so this
# script then checks that the contract loads. Run the example with
#   NODE_PATH=build/clients/node/node_modules node client/node/example.js --target HOST:PORT
# Idempotent: npm ci runs only when node_modules is missing or the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/clients/node
command -v npm >/dev/null || bash scripts/apt_install.sh nodejs npm

mkdir -p "$OUT"
if ! cmp -s client/node/package-lock.json "$OUT/package-lock.json" \
    || [ ! -f "$OUT/node_modules/.package-lock.json" ]; then
  cp client/node/package.json client/node/package-lock.json client/node/.npmrc "$OUT/"
  (cd "$OUT" && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
fi

NODE_PATH="$PWD/$OUT/node_modules" node -e '
  const loader = require("@grpc/proto-loader");
  const def = loader.loadSync("trackd/v1/track.proto", { includeDirs: ["proto"] });
  const methods = Object.keys(def["trackd.v1.TrackService"]);
  console.log("Node client ready in '"$OUT"': trackd.v1.TrackService " + methods.join(", "));'
