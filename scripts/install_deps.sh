#!/usr/bin/env bash
# Installs every build and test dependency of trackd from Debian 12 packages.
# Called by scripts/build.sh and scripts/test.sh; safe to run again: scripts/apt_install.sh
# installs only what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libabsl-dev libgtest-dev libgmock-dev libssl-dev libbenchmark-dev openssl
  libcurl4-openssl-dev librdkafka-dev libcpp-httplib-dev python3
  # trackctl's JSON reader (common/json_decoder.cc); header only.
  nlohmann-json3-dev
  # The allocator linked into trackd (TRACKD_MALLOC in server/CMakeLists.txt).
  libgoogle-perftools-dev libjemalloc-dev
  # scripts/fuzz.sh: Debian 12's clang, and libclang-rt-14-dev, which holds
  # libclang_rt.fuzzer (libFuzzer) and clang's sanitizer runtimes.
  clang-14 libclang-rt-14-dev
  # scripts/bench.sh: h2load drives gRPC with the least client CPU of the tools here.
  nghttp2-client
  # scripts/check_format.sh: Debian 12's clang-format, the version the tree is formatted with.
  clang-format-14
)

source "$(dirname "$0")/apt_install.sh"
apt_install "${packages[@]}"
