#!/usr/bin/env bash
# The slow fault tests, kept out of the default suite: a 3-broker Apache Kafka
# (KRaft) cluster with brokers stopped under load (tests/kafka_fault_test.cc).
# Builds first, so it also runs on its own: scripts/test_faults.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
bash tests/kafka/kafka_cluster.sh fetch
ctest --test-dir build -L faults --output-on-failure --timeout 900
