#!/usr/bin/env bash
# Consumer test of the Go module trackd/client/go, as another team uses it:
#   bash tests/consumers/go.sh PATH/TO/trackd
# 1. The committed generated code equals a fresh protoc run (scripts/gen_clients_go.sh --check),
#    and the module's own unit tests pass (`go test`).
# 2. In an empty directory outside the repository, it runs the install commands and builds the
#    program of docs/clients.md's Go section (taken from the page itself, so the page cannot
#    drift), runs it against a live trackd on a free loopback port, and compares its output
#    with the output the page shows: the seed event accepted, then the bad event's violations.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: go.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The machine image ships Go in /usr/local/go (Debian 12's golang is too old for the module).
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
source "$ROOT/tests/interop/trackd_server.sh"
begin_test consumer_go

# doc_block N: the Nth fenced block of the "## Go" section of docs/clients.md.
doc_block() {
  awk -v want="$1" '
    /^## / { in_go = ($0 == "## Go") }
    in_go && /^```/ { if (inside) { inside = 0; if (n == want) exit } else { inside = 1; n++ }; next }
    in_go && inside && n == want' "$ROOT/docs/clients.md"
}

timeout 600 bash "$ROOT/scripts/gen_clients_go.sh" --check
(cd "$ROOT/client/go" && [ -z "$(gofmt -l .)" ] && timeout 600 go vet ./... \
  && timeout 600 go test ./...)

APP="$TMP/yourservice"
mkdir "$APP"
cd "$APP"
doc_block 1 | sed "s|/path/to/trackd|$ROOT|" > install.sh
doc_block 2 > main.go
doc_block 3 > expected.txt
grep -q 'go get trackd/client/go@v1.0.0' install.sh && grep -q '^func main' main.go \
  && grep -q '^seed event: accepted$' expected.txt \
  || { echo "docs/clients.md: Go section without its install commands, program and output"; exit 1; }
echo "--- install commands"; cat install.sh
timeout 600 bash -euxo pipefail install.sh
timeout 600 go mod tidy
timeout 600 go build -o yourservice .

start_trackd "$TRACKD"
timeout 60 ./yourservice "127.0.0.1:$PORT" | tee output.txt
diff -u expected.txt output.txt || { echo "output differs from docs/clients.md"; exit 1; }
check_seed_stored
