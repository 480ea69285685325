#!/usr/bin/env bash
# Generates the Java client code (messages and gRPC stubs, package dev.trackd.v1) from
# proto/trackd/v1 with Maven's protobuf build (client/java/pom.xml; protoc and
# protoc-gen-grpc-java are pinned there and come from the Maven repository) into
# client/java/target/generated-sources/protobuf (gitignored, never committed).
# With a Maven phase as $1 it runs that one instead; "install" is the documented install of
# the artifact dev.trackd:trackd-client:1.0.0 into Maven's local repository (its JUnit tests
# run on the way; see docs/clients.md):
#   bash scripts/gen_clients_java.sh install
# Installs a JDK and Maven from Debian when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PHASE=${1:-generate-sources}

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  source scripts/apt_install.sh
  apt_install maven openjdk-17-jdk-headless
fi
# (sed drops the stray colour resets that Maven 3.8 prints even in quiet batch mode)
mvn -q -B -f client/java "$PHASE" 2>&1 | sed 's/\x1b\[0m//g'
case "$PHASE" in
  generate-sources) echo "Java client code generated in client/java/target/generated-sources/protobuf" ;;
  install) echo "dev.trackd:trackd-client:1.0.0 installed in Maven's local repository" ;;
  *) echo "mvn $PHASE done in client/java" ;;
esac
