#!/usr/bin/env bash
# Interop test: the Java example client (client/java) against a real trackd.
#   bash tests/interop/java.sh PATH/TO/trackd
# Builds client/java/target/trackd-example.jar with Maven (cache in build/clients/java/m2;
# skipped when the jar is newer than the pom, the sources and the contract), then runs
# it: seed event accepted, bad event's BadRequest violations read in Java.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: java.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/interop"
source "$HERE/trackd_server.sh"
begin_test interop_java

JAR="$ROOT/client/java/target/trackd-example.jar"
if [ ! -f "$JAR" ] || [ -n "$(find "$ROOT/client/java/pom.xml" "$ROOT/client/java/src" \
    "$ROOT/proto/trackd/v1" -newer "$JAR" -print -quit)" ]; then
  timeout 600 bash "$ROOT/scripts/gen_clients_java.sh" package
fi

start_trackd "$TRACKD"
timeout 60 java -jar "$JAR" --target "127.0.0.1:$PORT" \
  --service_config "$ROOT/proto/trackd/v1/service_config.json"
check_seed_stored
