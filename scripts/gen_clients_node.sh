#!/usr/bin/env bash
# Builds trackd's npm package trackd-client (client/node) into
#   build/clients/node/trackd-client-VERSION.tgz
# which another project installs with `npm install PATH/TO/that.tgz` (docs/clients.md, Node).
# The package is assembled in build/clients/node/package (never committed): client/node's
# files, its copies of the contract (track.proto, service_config.json and the google/rpc
# protos it needs; checked equal to proto/'s on every build), and TypeScript
# declarations generated from track.proto by proto-loader-gen-types. Then `npm pack`.
#   bash scripts/gen_clients_node.sh           build the package
#   bash scripts/gen_clients_node.sh --test    and run its unit tests (node:test, tsc)
#   bash scripts/gen_clients_node.sh --update  after a contract change: refresh client/node/proto
# npm ci (the pinned packages of client/node/package-lock.json) runs only when the lock
# file changed or node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/clients/node
STAGE=$OUT/package
if ! command -v npm >/dev/null; then
  source scripts/apt_install.sh
  apt_install nodejs npm
fi

mkdir -p "$STAGE"
if ! cmp -s client/node/package-lock.json "$STAGE/package-lock.json" \
    || [ ! -f "$STAGE/node_modules/.package-lock.json" ]; then
  cp client/node/package.json client/node/package-lock.json client/node/.npmrc "$STAGE/"
  (cd "$STAGE" && timeout 600 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# Everything but node_modules is laid anew, so nothing stale is packed.
find "$STAGE" -mindepth 1 -maxdepth 1 ! -name node_modules -exec rm -rf {} +
for f in package.json package-lock.json .npmrc README.md index.js index.d.ts test; do
  cp -r "client/node/$f" "$STAGE/"
done
# client/node/proto holds copies of the contract, committed so that
# `npm install --install-links PATH/TO/trackd/client/node` (which packs the folder as it is)
# works from a checkout; they must equal proto/'s, and this build fails until they do
# (`--update` rewrites them).
stale=()
for pair in trackd/v1/track.proto:trackd/v1/track.proto \
            trackd/v1/annotations.proto:trackd/v1/annotations.proto \
            trackd/v1/service_config.json:trackd/v1/service_config.json \
            third_party/google/rpc/status.proto:google/rpc/status.proto \
            third_party/google/rpc/error_details.proto:google/rpc/error_details.proto; do
  source_file=proto/${pair%%:*}
  copy=client/node/proto/${pair#*:}
  if [ "${1:-}" = "--update" ]; then
    mkdir -p "$(dirname "$copy")" && cp "$source_file" "$copy"
  elif ! cmp -s "$source_file" "$copy"; then
    stale+=("$copy")
  fi
done
if [ ${#stale[@]} -gt 0 ]; then
  echo "stale copies of proto/ in client/node/proto: ${stale[*]}" >&2
  echo "run: bash scripts/gen_clients_node.sh --update (and commit them)" >&2
  exit 1
fi
cp -r client/node/proto "$STAGE/"

# proto-loader-gen-types writes .ts files; tsc turns them into the .d.ts files shipped in
# types/ (a .ts file in node_modules would be compiled by every consumer's tsc).
(
  cd "$STAGE"
  # The file comes first: --includeDirs takes every argument after it.
  node_modules/.bin/proto-loader-gen-types trackd/v1/track.proto --grpcLib=@grpc/grpc-js \
    --outDir=gen-ts --keepCase --longs=String --enums=String --defaults --oneofs \
    --includeComments --includeDirs=proto >/dev/null 2>gen-ts.log || { cat gen-ts.log >&2; exit 1; }
  find gen-ts -name '*.ts' -print0 | xargs -0 node_modules/.bin/tsc --declaration \
    --emitDeclarationOnly --strict --module commonjs --target es2020 --types node \
    --rootDir gen-ts --outDir types
  rm -rf gen-ts gen-ts.log
)

TARBALL=$(cd "$STAGE" && npm pack --pack-destination .. --loglevel=error | tail -n 1)
echo "Node package: $OUT/$TARBALL ($(stat -c %s "$OUT/$TARBALL") bytes)"

if [ "${1:-}" = "--test" ]; then
  (cd "$STAGE" && npm test --silent)
fi
