#!/usr/bin/env bash
# Builds trackd (the server binary only: not the tests, not the benchmarks) and runs it on its
# embedded default store (./data), gRPC on 127.0.0.1:50051 and the admin port (/metrics, /healthz,
# /readyz) on 127.0.0.1:8151. Extra arguments are passed to trackd, e.g.
# --listen=127.0.0.1:6000 --admin_listen=127.0.0.1:6001.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh trackd
exec ./build/server/trackd "$@"
