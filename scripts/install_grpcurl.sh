#!/usr/bin/env bash
# Installs grpcurl at the pinned version (the one tests/interop/grpcurl.sh tests against) and
# prints the path of the binary, so the README's first run and the interop test use the same one:
#   GRPCURL=$(scripts/install_grpcurl.sh)
# `go install`s it into build/clients/go/bin (skipped when that version is already there); needs
# Go 1.21 or newer on PATH or in /usr/local/go/bin.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GRPCURL_VERSION=v1.9.4   # github.com/fullstorydev/grpcurl
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "install_grpcurl.sh: needs Go 1.21 or newer on PATH" >&2; exit 1; }
export GOBIN="$ROOT/build/clients/go/bin"
mkdir -p "$GOBIN"
if ! go version -m "$GOBIN/grpcurl" 2>/dev/null \
     | grep -Eq "^\s+mod\s+github.com/fullstorydev/grpcurl\s+$GRPCURL_VERSION\s"; then
  timeout 600 go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION" >&2
fi
echo "$GOBIN/grpcurl"
