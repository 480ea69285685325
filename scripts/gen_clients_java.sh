#!/usr/bin/env bash
# Generates the Java client code (messages and gRPC stubs, package dev.trackd.v1) from
# proto/trackd/v1 with Maven's protobuf build (client/java/pom.xml; protoc and
# protoc-gen-grpc-java are pinned there and come from the Maven repository) into
# client/java/target/generated-sources/protobuf (gitignored, never committed).
# With "package" as $1 it also builds the runnable client/java/target/trackd-example.jar.
# Maven's cache is build/clients/java/m2, so nothing depends on ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PHASE=${1:-generate-sources}

if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
  source scripts/apt_install.sh
  apt_install maven openjdk-17-jdk-headless
fi
# (sed drops the stray colour resets that Maven 3.8 prints even in quiet batch mode)
(cd client/java && mvn -q -B -Dmaven.repo.local="$ROOT/build/clients/java/m2" "$PHASE") 2>&1 \
  | sed 's/\x1b\[0m//g'
echo "Java client code generated in client/java/target/generated-sources/protobuf (mvn $PHASE)"
