# Sourced by every interop test script (python, node, go, java, grpcurl):
#   source trackd_server.sh
#   begin_test NAME              # temporary dir TMP; on exit: stop trackd, PASS or FAIL
#   start_trackd TRACKD_BINARY   # trackd on a free loopback port: sets PORT
# TMP/data is trackd's data directory; its log goes to TMP/trackd.log.

SEED_JSON_LINE='{"user_id":"766b3aef-5904-46fe-af05-a293fee8h345","event":"account_added_user","properties":{"user_name":"Mark Wood","user_email":"mark.wood@example.com","user_role":"Developer"},"context":{"group_id":"47464e5b-4727-11ee-aeb6-fefbf8354ds3"},"timestamp":"2023-11-02T00:30:08.276Z"}'

_finish() {
  local rc=$?
  if [ -n "${TRACKD_PID:-}" ]; then
    kill "$TRACKD_PID" 2>/dev/null || true
    # SIGTERM drains within --shutdown_grace; do not wait longer than 10 s.
    for _ in $(seq 100); do kill -0 "$TRACKD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$TRACKD_PID" 2>/dev/null || true
  fi
  if [ "$rc" -eq 0 ]; then
    echo "PASS: $TEST_NAME"
  else
    [ -f "$TMP/trackd.log" ] && { echo "--- trackd log (last 20 lines)"; tail -n 20 "$TMP/trackd.log"; }
    echo "FAIL: $TEST_NAME"
  fi
  rm -rf "$TMP"
  exit "$rc"
}

begin_test() {
  TEST_NAME=$1
  TMP=$(mktemp -d)
  trap _finish EXIT
}

start_trackd() {
  local binary=$1
  [ -x "$binary" ] || { echo "not an executable trackd binary: $binary"; return 1; }
  "$binary" --listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --port_file="$TMP/port" \
    --data_dir="$TMP/data" \
    >"$TMP/trackd.log" 2>&1 &
  TRACKD_PID=$!
  PORT=""
  for _ in $(seq 300); do   # at most 30 s
    PORT=$(cat "$TMP/port" 2>/dev/null || true)
    [[ "$PORT" =~ ^[0-9]+$ ]] && break
    kill -0 "$TRACKD_PID" 2>/dev/null || { echo "trackd exited before serving"; return 1; }
    sleep 0.1
  done
  [[ "$PORT" =~ ^[0-9]+$ ]] || { echo "trackd wrote no port file within 30 s"; return 1; }
  echo "trackd serving on 127.0.0.1:$PORT"
}

# check_seed_stored: the seed event's documented JSON line is in the embedded log.
check_seed_stored() {
  if grep -Fqx "$SEED_JSON_LINE" "$TMP"/data/segment-*.ndjson; then
    echo "seed event stored in data/segment-*.ndjson"
  else
    echo "seed event line missing from data/segment-*.ndjson"; return 1
  fi
}
