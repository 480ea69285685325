#!/usr/bin/env bash
# Generates the Go code for proto/trackd/v1 into client/go/trackdv1 (package trackdv1 of the
# module trackd/client/go). Unlike the other languages these files ARE committed: Go builds a
# module from its source and cannot run protoc when another repository imports it.
#   bash scripts/gen_clients_go.sh           # rewrite client/go/trackdv1/*.pb.go
#   bash scripts/gen_clients_go.sh --check   # exit 1 if the committed files are stale
# protoc comes from Debian (scripts/install_deps.sh); protoc-gen-go and protoc-gen-go-grpc
# are `go install`ed at pinned versions into build/clients/go/bin. The same tool versions
# give byte-identical files, which is what --check relies on.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
mode=${1:-write}
case "$mode" in write|--check) ;; *) echo "usage: $0 [--check]" >&2; exit 2 ;; esac

PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

# The machine image ships Go in /usr/local/go (Debian 12's golang is too old for go.mod).
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "go not found (expected on PATH or in /usr/local/go/bin)" >&2; exit 1; }
command -v protoc >/dev/null && [ -f /usr/include/google/protobuf/struct.proto ] \
  || bash scripts/install_deps.sh

export GOBIN="$ROOT/build/clients/go/bin"
mkdir -p "$GOBIN"
# protoc-gen-go is taken at the version of google.golang.org/protobuf in client/go/go.mod,
# so generated code and runtime always match.
PROTOBUF_VERSION=$(cd client/go && go list -m -f '{{.Version}}' google.golang.org/protobuf)
go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOBUF_VERSION"
go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"

# track.proto's go_package ("trackd/gen/go/trackd/v1") cannot change without `buf breaking`
# objecting, so the M option maps the file to this module's package instead, and
# module=trackd/client/go strips the module path so the files land in OUT/trackdv1.
PACKAGE="trackd/client/go/trackdv1;trackdv1"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
PATH="$GOBIN:$PATH" protoc -I proto -I /usr/include \
  --go_out="$OUT" --go_opt=module=trackd/client/go \
  --go_opt="Mtrackd/v1/track.proto=$PACKAGE" \
  --go_opt="Mtrackd/v1/annotations.proto=$PACKAGE" \
  --go-grpc_out="$OUT" --go-grpc_opt=module=trackd/client/go \
  --go-grpc_opt="Mtrackd/v1/track.proto=$PACKAGE" \
  --go-grpc_opt="Mtrackd/v1/annotations.proto=$PACKAGE" \
  proto/trackd/v1/track.proto proto/trackd/v1/annotations.proto

if [ "$mode" = --check ]; then
  if ! diff -r "$OUT/trackdv1" client/go/trackdv1 >&2; then
    echo "client/go/trackdv1 is stale: run scripts/gen_clients_go.sh and commit the result" >&2
    exit 1
  fi
  echo "client/go/trackdv1 matches proto/trackd/v1"
  exit 0
fi
mkdir -p client/go/trackdv1
rm -f client/go/trackdv1/*.pb.go
cp "$OUT"/trackdv1/*.pb.go client/go/trackdv1/
echo "generated Go client code in client/go/trackdv1"
