#!/usr/bin/env bash
# Smoke test of the Kafka test cluster (kafka_cluster.sh) with a real librdkafka client:
# kcat from Debian, which is built on the same librdkafka (2.0.2) as trackd's Kafka sink.
#
#   tests/kafka/smoke.sh
#
# 1. One broker: create a topic, produce three keyed messages with a message_id header
#    (idempotent producer, acks=all), consume them back, check key, value, header and the
#    per-key order.
# 2. Three brokers, a topic with replication factor 3 and min.insync.replicas=2:
#    stop one broker -> acks=all produce still succeeds; stop a second -> it fails within
#    its message timeout; start one again -> it succeeds; SIGKILL a broker -> it succeeds
#    once the controller has fenced the dead broker; finally every acknowledged message is
#    read back.
# Everything runs on 127.0.0.1 in a temporary directory that is removed at the end.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="$SCRIPT_DIR/kafka_cluster.sh"

command -v kcat >/dev/null 2>&1 || bash "$SCRIPT_DIR/../../scripts/apt_install.sh" kcat >/dev/null

# Should this script be killed before its trap runs, the clusters stop by themselves.
export KAFKA_OWNER_PID=$$

WORK="$(mktemp -d "${TMPDIR:-/tmp}/trackd-kafka-smoke.XXXXXX")"
cleanup() {
  local rc=$?
  for d in "$WORK"/c1 "$WORK"/c3; do
    [ -d "$d" ] || continue
    if [ "$rc" -ne 0 ]; then
      for f in "$d"/*.log; do echo "--- last lines of $f" >&2; tail -n 20 "$f" >&2; done
    fi
    "$CLUSTER" stop "$d" || true
  done
  rm -rf "$WORK"
  [ "$rc" -eq 0 ] && echo "smoke: PASSED" || echo "smoke: FAILED (exit $rc)" >&2
}
trap cleanup EXIT

t0=$SECONDS
step() { echo; echo "== [$((SECONDS - t0))s] $*"; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

ACKED=()   # "key value message_id" of every message whose delivery was reported OK

# produce DIR TOPIC KEY VALUE MESSAGE_ID TIMEOUT_MS: one message, as trackd's sink sends it
# (idempotent, acks=all, key, message_id header). Returns kcat's status: non-zero when the
# delivery report is an error. kcat's librdkafka log lines go to $WORK/kcat.err.
produce() {
  local dir="$1" topic="$2" key="$3" value="$4" id="$5" timeout_ms="$6"
  # The outer timeout only guards against a hang: librdkafka itself gives up after
  # message.timeout.ms.
  printf '%s' "$value" | timeout $((timeout_ms / 1000 + 20)) kcat -P -b "$(cat "$dir/bootstrap")" \
    -t "$topic" -k "$key" -H "message_id=$id" \
    -X enable.idempotence=true -X acks=all -X message.timeout.ms="$timeout_ms" \
    2>"$WORK/kcat.err"
}

produce_ok() {
  local t=$SECONDS
  produce "$@" || { cat "$WORK/kcat.err" >&2; fail "produce of $4 failed"; }
  ACKED+=("$3 $4 $5")
  echo "produced key=$3 value=$4 message_id=$5 (acks=all, $((SECONDS - t))s)"
}

# consume DIR TOPIC: prints every message of the topic as "key value header", partition by
# partition in offset order, and exits at the end of the partitions.
consume() {
  timeout 60 kcat -C -b "$(cat "$1/bootstrap")" -t "$2" -o beginning -e -q -f '%k %s %h\n'
}

check_all_acked_present() {
  local dir="$1" topic="$2" got m key value id
  got="$(consume "$dir" "$topic")"
  echo "consumed $(printf '%s\n' "$got" | grep -c .) message(s):"
  printf '%s\n' "$got" | sed 's/^/  /'
  for m in "${ACKED[@]}"; do
    read -r key value id <<<"$m"
    printf '%s\n' "$got" | grep -qxF "$key $value message_id=$id" \
      || fail "acknowledged message '$key $value message_id=$id' not read back"
  done
  echo "all ${#ACKED[@]} acknowledged messages read back with key, value and header"
}

check_key_order() {
  # Messages of one key land in one partition, so they must come back in produce order.
  # Only the acknowledged values (WANT) count: a message whose produce failed may or may
  # not have been written (at-least-once).
  local dir="$1" topic="$2" key="$3" want="$4" got
  got="$(consume "$dir" "$topic" \
    | awk -v k="$key" -v w=" $want " '$1 == k && index(w, " " $2 " ") {print $2}' | paste -sd' ')"
  [ "$got" = "$want" ] || fail "order of key $key: got '$got', want '$want'"
  echo "order of key $key: $got"
}

"$CLUSTER" fetch
echo "kcat: $(kcat -V | grep -o 'Version [^ ]*') with $(kcat -V | grep -o 'librdkafka [0-9.]*')"
echo "kafka: $("$CLUSTER" version)"

# ---------------------------------------------------------------------------------------
step "1-broker cluster"
C1="$WORK/c1"
s=$SECONDS; "$CLUSTER" start "$C1" 1; echo "start took $((SECONDS - s))s"
"$CLUSTER" create-topic "$C1" events 3 1
produce_ok "$C1" events acct-1 e1 m-1 15000
produce_ok "$C1" events acct-2 e2 m-2 15000
produce_ok "$C1" events acct-1 e3 m-3 15000
check_all_acked_present "$C1" events
check_key_order "$C1" events acct-1 "e1 e3"
"$CLUSTER" stop "$C1"
rm -rf "$C1"
ACKED=()

# ---------------------------------------------------------------------------------------
step "3-broker cluster, topic with replication factor 3, min.insync.replicas=2"
C3="$WORK/c3"
s=$SECONDS; "$CLUSTER" start "$C3" 3; echo "start took $((SECONDS - s))s"
"$CLUSTER" create-topic "$C3" events 3 3
"$CLUSTER" describe-topic "$C3" events
produce_ok "$C3" events acct-1 a1 m-a1 15000
produce_ok "$C3" events acct-2 a2 m-a2 15000
produce_ok "$C3" events acct-1 a3 m-a3 15000
check_all_acked_present "$C3" events

step "stop broker 3 (SIGTERM): 2 in-sync replicas left, acks=all must still succeed"
"$CLUSTER" stop-broker "$C3" 3
produce_ok "$C3" events acct-1 b1 m-b1 15000

step "stop broker 2: 1 in-sync replica < min.insync.replicas=2, acks=all must fail"
"$CLUSTER" stop-broker "$C3" 2
"$CLUSTER" describe-topic "$C3" events
s=$SECONDS
if produce "$C3" events acct-1 c1 m-c1 5000; then
  fail "produce with acks=all succeeded with only one broker up"
fi
echo "produce failed as expected after $((SECONDS - s))s (message.timeout.ms=5000):"
grep -v GETPID "$WORK/kcat.err" | sed 's/^/  kcat: /' || true
grep -h 'NotEnoughReplicas' "$C3"/broker-1.log | tail -n 1 | cut -c1-240 | sed 's/^/  broker-1: /' || true

step "start broker 2 again: acks=all must succeed"
s=$SECONDS; "$CLUSTER" start-broker "$C3" 2; echo "start-broker took $((SECONDS - s))s"
produce_ok "$C3" events acct-1 d1 m-d1 30000

step "start broker 3, SIGKILL broker 1: acks=all must succeed once broker 1 is fenced"
"$CLUSTER" start-broker "$C3" 3
"$CLUSTER" kill-broker "$C3" 1
produce_ok "$C3" events acct-1 e1 m-e1 30000
s=$SECONDS; "$CLUSTER" start-broker "$C3" 1; echo "start-broker after SIGKILL took $((SECONDS - s))s"
produce_ok "$C3" events acct-2 f1 m-f1 30000

step "read back"
"$CLUSTER" describe-topic "$C3" events
check_all_acked_present "$C3" events
check_key_order "$C3" events acct-1 "a1 a3 b1 d1 e1"
s=$SECONDS; "$CLUSTER" stop "$C3"; echo "stop took $((SECONDS - s))s"
