#!/usr/bin/env bash
# Interop test: the Node example client (client/node/example.js) against a real trackd.
#   bash tests/interop/node.sh PATH/TO/trackd
# Sets up the pinned packages and generated code, starts trackd on a free loopback port,
# runs the example (seed event accepted, bad event's BadRequest violations read), and
# checks its output and that the seed event's documented JSON line is in the log.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: node.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test interop_node
fail() { echo "interop_node: $*" >&2; exit 1; }

bash "$ROOT/scripts/gen_clients_node.sh"
start_trackd "$TRACKD"

rc=0
NODE_PATH="$ROOT/build/clients/node/node_modules" timeout 60 node "$ROOT/client/node/example.js" \
  --target "127.0.0.1:$PORT" >"$TMP/out" 2>&1 || rc=$?
cat "$TMP/out"
[ "$rc" -eq 0 ] || fail "example exited $rc"
grep -q '^service config applied: .*maxAttempts=5' "$TMP/out" || fail "no service config line"
grep -q '^seed event: OK ' "$TMP/out" || fail "seed event not OK"
grep -q '^bad event: INVALID_ARGUMENT' "$TMP/out" || fail "bad event not INVALID_ARGUMENT"
grep -q '^user_id: ' "$TMP/out" || fail "no user_id violation"
grep -q '^account_added_user.user_email: ' "$TMP/out" || fail "no user_email violation"
check_seed_stored
