#!/usr/bin/env bash
# Consumer test: the C++ client through FetchContent, trackd as another project's subproject.
#   bash tests/consumers/cpp_subproject.sh PATH/TO/trackd
# Creates an empty CMake project outside the repository that pulls this repository in with
# FetchContent (SOURCE_DIR: the checkout itself) and links trackd::client. Checks that
# configuring it did not look for the server's dependencies (curl, librdkafka, cpp-httplib,
# jemalloc) or GoogleTest, that trackd adds no executable (server, tests, tools), and that
# building the program takes only the client's few steps; then runs the program
# (cpp/main.cc) against a live trackd, as cpp_install.sh does.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: cpp_subproject.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test consumer_cpp_subproject
fail() { echo "consumer_cpp_subproject: $*" >&2; exit 1; }
# The client is the generated code, common/ and client/: 6 + 5 + 1 + 3 compiles, their 5
# archives, protoc, the program's compile and link: 23 build commands (the whole tree as
# the top-level project: about 90).
max_commands=25

mkdir "$TMP/app"
cp "$ROOT/tests/consumers/cpp/main.cc" "$TMP/app/main.cc"
cat >"$TMP/app/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(trackd_consumer LANGUAGES CXX)
include(FetchContent)
FetchContent_Declare(trackd SOURCE_DIR ${TRACKD_SOURCE_DIR})
FetchContent_MakeAvailable(trackd)
add_executable(app main.cc)
target_link_libraries(app PRIVATE trackd::client)
CMAKE
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # The build directory is new on every run: paths relative to it and no cwd in the hash
  # let ccache reuse the last run's objects.
  export CCACHE_BASEDIR="$TMP" CCACHE_NOHASHDIR=1
fi
cmake -S "$TMP/app" -B "$TMP/app/build" -G Ninja -DTRACKD_SOURCE_DIR="$ROOT" \
  "${launcher[@]}" >"$TMP/configure.log" 2>&1 \
  || { cat "$TMP/configure.log"; fail "configuring the consumer project failed"; }

# Nothing of the server's dependencies or GoogleTest was looked for: no cache entry names them.
if grep -Ei '^[^#/]*(curl|rdkafka|httplib|jemalloc|tcmalloc|gtest)[^=]*=' \
     "$TMP/app/build/CMakeCache.txt"; then
  fail "the configure looked for a dependency of the server or the tests (above)"
fi
# trackd adds no executable: no server, test, benchmark, fuzz target or tool (trackctl).
if ninja -C "$TMP/app/build" -t targets all \
     | grep -E '^_deps/trackd-build/[^:]*: CXX_EXECUTABLE_LINKER'; then
  fail "trackd added executables to the consumer's build (above)"
fi
commands=$(ninja -C "$TMP/app/build" -t commands app | wc -l)
echo "building app takes $commands commands"
[ "$commands" -le "$max_commands" ] || fail "$commands build commands, more than $max_commands"
source "$ROOT/tests/consumers/cpp/expect_output.sh"
build_and_run_app
