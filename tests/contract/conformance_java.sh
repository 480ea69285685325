#!/usr/bin/env bash
# The conformance corpus (tests/contract/cases/) from the Java package dev.trackd:trackd-client:
#   bash tests/contract/conformance_java.sh PATH/TO/trackd
# Builds the package from a copy of proto/ and client/java (its own target/, so that it never
# races consumer_java), starts trackd on a free loopback port and runs
# client/java/src/test/java/dev/trackd/client/ConformanceTest.java, which sends every case as
# a dry run.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: conformance_java.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test conformance_java
started=$SECONDS

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  source "$ROOT/scripts/apt_install.sh"
  apt_install maven openjdk-17-jdk-headless
fi
mkdir -p "$TMP/trackd/client/java"
cp -r "$ROOT/proto" "$TMP/trackd/"
cp -r "$ROOT/client/java/pom.xml" "$ROOT/client/java/src" "$TMP/trackd/client/java/"
mvn_quiet() { timeout 600 mvn -q -B -f "$TMP/trackd/client/java" "$@" 2>&1 | sed 's/\x1b\[0m//g'; }
# Compiles the package and its tests (the conformance test skips: no TRACKD_TARGET yet).
mvn_quiet test-compile
echo "built in $((SECONDS - started)) s"

start_trackd "$TRACKD"
ran=$SECONDS
TRACKD_TARGET="127.0.0.1:$PORT" TRACKD_CORPUS="$ROOT/tests/contract/cases" \
  mvn_quiet surefire:test -Dtest=ConformanceTest
echo "the corpus ran in $((SECONDS - ran)) s; conformance_java took $((SECONDS - started)) s"
