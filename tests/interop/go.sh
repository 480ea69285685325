#!/usr/bin/env bash
# Interop test: the Go example client (client/go/example) against a real trackd.
#   bash tests/interop/go.sh PATH/TO/trackd
# Generates the Go code and builds the example into build/clients/go (fast when done),
# then runs it: seed event accepted, bad event's BadRequest violations read in Go.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: go.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/interop"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
source "$HERE/trackd_server.sh"
begin_test interop_go

timeout 600 bash "$ROOT/scripts/gen_clients_go.sh"
(cd "$ROOT/client/go" && timeout 600 go build -o "$ROOT/build/clients/go/bin/trackd-example-go" ./example)

start_trackd "$TRACKD"
timeout 60 "$ROOT/build/clients/go/bin/trackd-example-go" --target="127.0.0.1:$PORT" \
  --service_config="$ROOT/proto/trackd/v1/service_config.json"
check_seed_stored
