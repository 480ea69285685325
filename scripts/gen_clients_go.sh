#!/usr/bin/env bash
# Generates the Go client code for proto/trackd/v1 into client/go/gen/ (gitignored, never
# committed). protoc comes from Debian (scripts/install_deps.sh); protoc-gen-go and
# protoc-gen-go-grpc are `go install`ed at pinned versions into build/clients/go/bin.
# Idempotent: a second run only re-runs protoc and leaves unchanged files alone.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v protoc >/dev/null && [ -f /usr/include/google/protobuf/struct.proto ] \
  || bash scripts/install_deps.sh

export GOBIN="$ROOT/build/clients/go/bin"
mkdir -p "$GOBIN"
# protoc-gen-go is taken at the version of google.golang.org/protobuf in client/go/go.mod,
# so generated code and runtime always match.
PROTOBUF_VERSION=$(cd client/go && go list -m -f '{{.Version}}' google.golang.org/protobuf)
go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOBUF_VERSION"
go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"

# track.proto's go_package is "trackd/gen/go/trackd/v1": with module=trackd (the module
# path of client/go) the package lands in client/go/gen/go/trackd/v1. Generated into a
# scratch directory first; client/go/gen is replaced only when the code changed.
OUT=$(mktemp -d "$ROOT/build/clients/go/gen.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
PATH="$GOBIN:$PATH" protoc -I proto -I /usr/include \
  --go_out="$OUT" --go_opt=module=trackd \
  --go-grpc_out="$OUT" --go-grpc_opt=module=trackd \
  proto/trackd/v1/track.proto
if ! diff -r -q "$OUT/gen" client/go/gen >/dev/null 2>&1; then
  rm -rf client/go/gen
  mv "$OUT/gen" client/go/gen
fi
echo "generated Go client code in client/go/gen/go/trackd/v1"
