#!/usr/bin/env bash
# Interop test: tools nobody here wrote work against trackd out of the box.
#   bash tests/interop/grpcurl.sh PATH/TO/trackd
# grpcurl lists the services through reflection and sends the seed sample as JSON, then a
# TrackBatch as the README shows it; grpc-health-probe reports SERVING. grpcurl comes from
# scripts/install_grpcurl.sh (the README's install command), grpc-health-probe is `go install`ed
# here; both pinned, into build/clients/go/bin (skipped when that version is already there).
set -euo pipefail
TRACKD=$(realpath "${1:?usage: grpcurl.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/tests/interop"
command -v go >/dev/null || export PATH="$PATH:/usr/local/go/bin"
source "$HERE/trackd_server.sh"
begin_test interop_grpcurl

GRPC_HEALTH_PROBE_VERSION=v0.4.62   # github.com/grpc-ecosystem/grpc-health-probe
export GOBIN="$ROOT/build/clients/go/bin"
mkdir -p "$GOBIN"

# install_tool BINARY MODULE PACKAGE VERSION
install_tool() {
  if ! go version -m "$GOBIN/$1" 2>/dev/null | grep -Eq "^\s+mod\s+$2\s+$4\s"; then
    timeout 600 go install "$3@$4"
  fi
}
install_tool grpc-health-probe github.com/grpc-ecosystem/grpc-health-probe \
  github.com/grpc-ecosystem/grpc-health-probe "$GRPC_HEALTH_PROBE_VERSION"
GRPCURL=$(bash "$ROOT/scripts/install_grpcurl.sh")
PROBE="$GOBIN/grpc-health-probe"

start_trackd "$TRACKD"
ADDR="127.0.0.1:$PORT"

echo "\$ grpcurl -plaintext $ADDR list"
services=$(timeout 30 "$GRPCURL" -plaintext "$ADDR" list)
echo "$services"
grep -qx trackd.v1.TrackService <<<"$services" || { echo "trackd.v1.TrackService not listed"; exit 1; }
grep -qx grpc.health.v1.Health <<<"$services" || { echo "grpc.health.v1.Health not listed"; exit 1; }

MESSAGE_ID=$(cat /proc/sys/kernel/random/uuid)
echo "\$ grpcurl -plaintext -d @ $ADDR trackd.v1.TrackService/Track   (seed sample)"
answer=$(timeout 30 "$GRPCURL" -plaintext -d @ "$ADDR" trackd.v1.TrackService/Track <<JSON
{
  "message_id": "$MESSAGE_ID",
  "user_id": "766b3aef-5904-46fe-af05-a293fee8h345",
  "group_id": "47464e5b-4727-11ee-aeb6-fefbf8354ds3",
  "timestamp": "2023-11-02T00:30:08.276Z",
  "account_added_user": {"user_role": "Developer", "user_name": "Mark Wood",
                         "user_email": "mark.wood@example.com"}
}
JSON
)
echo "$answer"
# grpcurl 1.9 prints proto field names (message_id); older ones print JSON names (messageId).
grep -Eq "\"(messageId|message_id)\": *\"$MESSAGE_ID\"" <<<"$answer" \
  || { echo "answer lacks messageId $MESSAGE_ID"; exit 1; }

# The README's TrackBatch example: the list is "requests"; one result per item.
BATCH_ID=$(cat /proc/sys/kernel/random/uuid)
echo "\$ grpcurl -plaintext -d @ $ADDR trackd.v1.TrackService/TrackBatch   (README example)"
answer=$(timeout 30 "$GRPCURL" -plaintext -d @ "$ADDR" trackd.v1.TrackService/TrackBatch <<JSON
{"requests": [
  {"message_id": "$BATCH_ID", "user_id": "u-1", "group_id": "acct-9",
   "timestamp": "2023-11-02T00:30:08.276Z", "account_added_user": {"user_role": "Developer"}},
  {"user_id": "u-2", "group_id": "acct-9", "timestamp": "2023-11-02T00:30:09Z",
   "account_added_user": {"user_role": "Developer", "user_email": "not-an-address"}}
]}
JSON
)
echo "$answer"
grep -q "\"$BATCH_ID\"" <<<"$answer" || { echo "TrackBatch answer lacks $BATCH_ID"; exit 1; }
grep -q "OUTCOME_ACCEPTED" <<<"$answer" && grep -q "OUTCOME_REJECTED" <<<"$answer" \
  || { echo "TrackBatch answer lacks an accepted and a rejected result"; exit 1; }

echo "\$ grpc-health-probe -addr=$ADDR"
timeout 30 "$PROBE" -addr="$ADDR" 2>&1 | tee "$TMP/probe.out"   # exits 0 only when SERVING
grep -qx "status: SERVING" "$TMP/probe.out" || { echo "health probe did not report SERVING"; exit 1; }

check_seed_stored
