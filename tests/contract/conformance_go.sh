#!/usr/bin/env bash
# The conformance corpus (tests/contract/cases/) from the Go module trackd/client/go:
#   bash tests/contract/conformance_go.sh PATH/TO/trackd
# Starts trackd on a free loopback port and runs client/go/conformance_test.go, which sends
# every case as a dry run through the module's generated stub.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: conformance_go.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The machine image ships Go in /usr/local/go (Debian 12's golang is too old for the module).
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
source "$ROOT/tests/interop/trackd_server.sh"
begin_test conformance_go
started=$SECONDS

cd "$ROOT/client/go"
timeout 600 go test -count=1 -run '^$' . >/dev/null   # builds the test binary first
echo "built in $((SECONDS - started)) s"
start_trackd "$TRACKD"
ran=$SECONDS
TRACKD_TARGET="127.0.0.1:$PORT" TRACKD_CORPUS="$ROOT/tests/contract/cases" \
  timeout 300 go test -count=1 -run '^TestConformance' -v . | grep -v '^=== RUN'
echo "the corpus ran in $((SECONDS - ran)) s; conformance_go took $((SECONDS - started)) s"
