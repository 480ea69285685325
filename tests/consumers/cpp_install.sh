#!/usr/bin/env bash
# Consumer test: the C++ client package as docs/clients.md installs it.
#   bash tests/consumers/cpp_install.sh PATH/TO/BUILD/server/trackd
# `cmake --install`s the build tree trackd was built in into a temporary prefix, creates an
# empty CMake project outside the repository that does find_package(trackd 1) and links
# trackd::client (cpp/main.cc, ten lines), builds it against the prefix, and runs it against
# a live trackd: the seed event is accepted and stored, the bad event's violations are read.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: cpp_install.sh PATH/TO/BUILD/server/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(dirname "$(dirname "$TRACKD")")
source "$ROOT/tests/interop/trackd_server.sh"
begin_test consumer_cpp_install
fail() { echo "consumer_cpp_install: $*" >&2; exit 1; }
[ -f "$BUILD/CMakeCache.txt" ] || fail "$BUILD (two levels above trackd) is not a build tree"

# ctest builds trackd_client before this test (tests/consumers/CMakeLists.txt); run alone,
# build it first: cmake --build BUILD --target trackd_client.
[ -f "$BUILD/client/libtrackd_client.a" ] \
  || fail "$BUILD/client/libtrackd_client.a is missing: cmake --build $BUILD --target trackd_client"
cmake --install "$BUILD" --prefix "$TMP/prefix" >"$TMP/install.log" \
  || fail "cmake --install failed"
echo "installed: $(du -sb "$TMP/prefix" | cut -f1) bytes in $TMP/prefix"
# Only the client package: its headers, static libraries and CMake files, no server part.
if find "$TMP/prefix" -path '*server*' | grep .; then fail "server files installed"; fi
# Every public header of the repository is installed.
for header in $(cd "$ROOT/include" && find trackd -name '*.h' | sort); do
  [ -f "$TMP/prefix/include/$header" ] || fail "public header include/$header not installed"
done

mkdir "$TMP/app"
cp "$ROOT/tests/consumers/cpp/main.cc" "$TMP/app/main.cc"
# No CMAKE_CXX_STANDARD: the package's cxx_std_20 compile feature must bring C++20.
cat >"$TMP/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(trackd_consumer LANGUAGES CXX)
find_package(trackd 1 CONFIG REQUIRED)
add_executable(app main.cc)
target_link_libraries(app PRIVATE trackd::client)
CMAKE
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$TMP/app" -B "$TMP/app/build" -G Ninja -DCMAKE_PREFIX_PATH="$TMP/prefix" \
  "${launcher[@]}" >"$TMP/configure.log" 2>&1 \
  || { cat "$TMP/configure.log"; fail "find_package(trackd 1) failed"; }
source "$ROOT/tests/consumers/cpp/expect_output.sh"
build_and_run_app
