#!/usr/bin/env bash
# Installs every build and test dependency of trackd from Debian 12 packages.
# Called by scripts/run_server.sh and scripts/test.sh; safe to run again (apt skips what is present).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libabsl-dev libgtest-dev libgmock-dev libssl-dev libbenchmark-dev openssl
  libcurl4-openssl-dev librdkafka-dev libcpp-httplib-dev python3
  # trackctl's JSON reader (common/json_decoder.cc); header only.
  nlohmann-json3-dev
  # The allocator linked into trackd (TRACKD_MALLOC in CMakeLists.txt).
  libgoogle-perftools-dev libjemalloc-dev
  # scripts/fuzz.sh: Debian 12's clang, and libclang-rt-14-dev, which holds
  # libclang_rt.fuzzer (libFuzzer) and clang's sanitizer runtimes.
  clang-14 libclang-rt-14-dev
  # scripts/bench.sh: h2load drives gRPC with the least client CPU of the tools here.
  nghttp2-client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
