#!/usr/bin/env bash
# Benchmarks trackd on loopback against trackd_noop_server (the same gRPC
# callback service with a Track that does nothing), then runs the JSON encoder
# micro benchmark. See docs/performance.md for what the numbers mean.
#
# Each round starts a fresh server pinned to CPU $SERVER_CPU, drives it with
# trackd_load pinned to CPU $LOAD_CPU, and stops it with SIGTERM; trackd and
# the no-op server alternate round by round, so drift on this noisy machine hits
# both alike. Prints every round's JSON, then medians over the rounds.
#
# Before each run it waits (up to QUIET_WAIT seconds) for the machine to be
# idle, since other work on a 2-CPU machine skews both sides; the "others"
# column shows how much CPU anything else took while the load ran (a round
# with more than a few percent is suspect).
#
# Settings (environment): ROUNDS=3 REQUESTS=100000 CONCURRENCY=64 WARMUP=2000
# MAX_SECONDS=60 (per load run) SERVER_CPU=0 LOAD_CPU=1 QUIET_WAIT=120. Data
# directories go under ${TMPDIR:-/tmp} (its file system decides what an fsync
# costs).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS="${ROUNDS:-3}"
# 100000 rather than trackd_load's default 50000: the no-op runs would last
# under a second, too short on this machine.
REQUESTS="${REQUESTS:-100000}"
CONCURRENCY="${CONCURRENCY:-64}"
WARMUP="${WARMUP:-2000}"
MAX_SECONDS="${MAX_SECONDS:-60}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
QUIET_WAIT="${QUIET_WAIT:-120}"

die() {
  echo "bench.sh: $*" >&2
  exit 1
}

for name in ROUNDS REQUESTS CONCURRENCY WARMUP MAX_SECONDS SERVER_CPU LOAD_CPU QUIET_WAIT; do
  [[ "${!name}" =~ ^[0-9]+$ ]] || die "$name must be a non-negative integer, got '${!name}'"
done
((ROUNDS >= 1 && ROUNDS <= 20)) || die "ROUNDS must be 1 to 20"
((MAX_SECONDS >= 1 && MAX_SECONDS <= 600)) || die "MAX_SECONDS must be 1 to 600"
((QUIET_WAIT <= 600)) || die "QUIET_WAIT must be at most 600"
((SERVER_CPU != LOAD_CPU)) || die "SERVER_CPU and LOAD_CPU must differ"
(($(nproc) > SERVER_CPU && $(nproc) > LOAD_CPU)) || die "this machine lacks CPU $SERVER_CPU or $LOAD_CPU"

bash scripts/build.sh

TRACKD=build/server/trackd
NOOP=build/bench/trackd_noop_server
LOAD=build/bench/trackd_load
ENCODER_BENCH=build/bench/json_encoder_bench
for binary in "$TRACKD" "$NOOP" "$LOAD"; do
  [ -x "$binary" ] || die "$binary was not built (is TRACKD_BUILD_BENCH on?)"
done
CLK_TCK="$(getconf CLK_TCK)"

work="$(mktemp -d "${TMPDIR:-/tmp}/trackd-bench.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # The EXIT trap then cleans up.

# Prints the numeric value of "key" in the one-line JSON $2 (quoted or not).
json_field() {
  sed -n "s/.*\"$1\":\"\{0,1\}\([-0-9.]*\).*/\1/p" <<<"$2"
}

# Reads numbers, one per line ("n/a" lines are skipped); prints their median.
median() {
  grep -v '^n/a$' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "n/a"; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# User + system CPU ticks of process $1 (fields 14 and 15 of /proc/PID/stat,
# counted after the ")" that ends the command name).
cpu_ticks() {
  sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# Prints "busy total" jiffies of all CPUs so far (busy includes steal).
cpu_jiffies() {
  grep '^cpu ' /proc/stat | awk '{
    total = 0; for (i = 2; i <= 9; i++) total += $i
    print total - $5 - $6, total }'
}

# Prints the percentage of all CPUs' time that is busy over the next second.
busy_percent() {
  local before after
  before="$(cpu_jiffies)"
  sleep 1
  after="$(cpu_jiffies)"
  awk -v a="$before" -v b="$after" 'BEGIN { split(a, x); split(b, y); total = y[2] - x[2]
    printf "%d", total ? 100 * (y[1] - x[1]) / total : 0 }'
}

# Sets `children_cpu` to the user+system CPU seconds of this shell's reaped
# children. `times` must run in this shell, not in $(...), whose subshell has
# children of its own.
read_children_cpu() {
  times >"$work/times"
  children_cpu="$(tail -1 "$work/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) {
    split($i, p, /[ms]/); s += p[1] * 60 + p[2] } printf "%.3f\n", s }')"
}

# Waits up to QUIET_WAIT seconds for the machine to be idle (at most 10 % busy);
# measures anyway, with a warning, if it never is.
wait_for_quiet() {
  local waited=0 busy
  busy="$(busy_percent)"
  while ((busy > 10 && waited < QUIET_WAIT)); do
    waited=$((waited + 1))
    busy="$(busy_percent)"
  done
  ((busy <= 10)) || echo "warning: the machine is ${busy}% busy with other work; measuring anyway" >&2
}

# Starts server kind $1 (trackd | noop) pinned to SERVER_CPU; sets server_pid
# and port once the port file appears (bounded wait).
start_server() {
  rm -f "$work/port" "$work/server.err"
  case "$1" in
    trackd)
      taskset -c "$SERVER_CPU" "$TRACKD" --listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --port_file="$work/port" \
        --data_dir="$(mktemp -d "$work/data.XXXXXX")" --shutdown_grace=5s >"$work/server.err" 2>&1 &
      ;;
    noop)
      taskset -c "$SERVER_CPU" "$NOOP" --listen=127.0.0.1:0 --port_file="$work/port" \
        2>"$work/server.err" &
      ;;
  esac
  server_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; die "$1 exited at start"; }
    sleep 0.1
  done
  [ -s "$work/port" ] || die "$1 wrote no port file within 10 s"
  port="$(cat "$work/port")"
}

# SIGTERMs the server, waits up to 30 s (then SIGKILL), and sets `stopped` to
# the last "stopped" line of its log. Not in a subshell: it must wait for its child.
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true  # It may have died already; wait reports how.
  for _ in $(seq 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  local rc=0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    die "the server did not stop within 30 s of SIGTERM"
  fi
  wait "$server_pid" || rc=$?
  server_pid=""
  ((rc == 0)) || { tail -5 "$work/server.err" >&2; die "the server exited with $rc"; }
  stopped="$(grep '"msg":"stopped"' "$work/server.err" | tail -1)"
}

# Runs one round for server kind $1: appends
# "calls_per_sec p50_us p99_us server_cpu_us_per_call client_cpu_us_per_call events_per_commit others"
# to $work/$1.results, where "others" is the percentage of all CPU time used by
# anything but the server and trackd_load while the load ran.
run_round() {
  local kind="$1" load_json load_rc=0 ticks_before ticks_after load_cpu_before jiffies_before
  local jiffies_after others
  wait_for_quiet
  start_server "$kind"
  ticks_before="$(cpu_ticks "$server_pid")"
  read_children_cpu
  load_cpu_before="$children_cpu"
  jiffies_before="$(cpu_jiffies)"
  load_json="$(timeout $((MAX_SECONDS + 30)) taskset -c "$LOAD_CPU" "$LOAD" \
    --target="127.0.0.1:$port" --concurrency="$CONCURRENCY" --requests="$REQUESTS" \
    --warmup_requests="$WARMUP" --max_seconds="$MAX_SECONDS")" || load_rc=$?
  jiffies_after="$(cpu_jiffies)"
  ticks_after="$(cpu_ticks "$server_pid")"
  read_children_cpu
  others="$(awk -v a="$jiffies_before" -v b="$jiffies_after" -v server=$((ticks_after - ticks_before)) \
    -v load="$(awk -v x="$load_cpu_before" -v y="$children_cpu" 'BEGIN { print y - x }')" \
    -v hz="$CLK_TCK" 'BEGIN { split(a, x); split(b, y); total = y[2] - x[2]
      o = (y[1] - x[1]) - server - load * hz; printf "%d", total ? 100 * (o < 0 ? 0 : o) / total : 0 }')"
  stop_server
  echo "$kind load:   $load_json (others: ${others}% CPU)"
  echo "$kind server: $stopped"
  ((load_rc == 0)) || die "trackd_load against $kind failed (exit $load_rc)"

  local ok warmup served events_per_commit="n/a"
  ok="$(json_field ok "$load_json")"
  warmup="$(json_field warmup_calls "$load_json")"
  # Trust the server's own count as well as the client's.
  if [ "$kind" = trackd ]; then
    served="$(json_field events_stored "$stopped")"
    local commits
    commits="$(json_field commits "$stopped")"
    events_per_commit="$(awk -v e="$served" -v c="$commits" 'BEGIN { printf "%.1f", c ? e / c : 0 }')"
  else
    served="$(json_field calls "$stopped")"
  fi
  [ "$served" = "$((ok + warmup))" ] ||
    die "$kind counted $served calls/events, the client $((ok + warmup)) OK calls"

  local server_cpu_us
  server_cpu_us="$(awk -v t=$((ticks_after - ticks_before)) -v hz="$CLK_TCK" -v n="$served" \
    'BEGIN { printf "%.1f", t * 1e6 / hz / n }')"
  echo "$(json_field calls_per_sec "$load_json") $(json_field p50_us "$load_json")" \
    "$(json_field p99_us "$load_json") $server_cpu_us" \
    "$(json_field client_cpu_us_per_call "$load_json") $events_per_commit $others" \
    >>"$work/$kind.results"
}

echo "== trackd vs no-op server: $ROUNDS rounds, $REQUESTS calls (+$WARMUP warm-up)," \
  "$CONCURRENCY in flight; server on CPU $SERVER_CPU, load on CPU $LOAD_CPU"
echo "== $(nproc) CPUs, $(uname -r), data on $(df --output=fstype "$work" | tail -1), tree $(git describe --always --dirty 2>/dev/null || echo unknown)"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round"
  run_round trackd
  run_round noop
done

column_median() {  # $1 = kind, $2 = column
  awk -v c="$2" '{ print $c }' "$work/$1.results" | median
}
echo
echo "== medians over $ROUNDS rounds"
printf '%-8s %9s %8s %8s %19s %19s %14s %7s\n' server calls/s p50_us p99_us \
  server_cpu_us/call client_cpu_us/call events/commit others%
for kind in trackd noop; do
  printf '%-8s %9s %8s %8s %19s %19s %14s %7s\n' "$kind" "$(column_median "$kind" 1)" \
    "$(column_median "$kind" 2)" "$(column_median "$kind" 3)" "$(column_median "$kind" 4)" \
    "$(column_median "$kind" 5)" "$(column_median "$kind" 6)" "$(column_median "$kind" 7)"
done
# Rounds are paired (trackd then noop), so take the median of per-round ratios.
ratio="$(paste -d' ' "$work/trackd.results" "$work/noop.results" |
  awk '{ printf "%.3f\n", $1 / $(NF / 2 + 1) }' | median)"
echo "trackd/noop calls/s (median of per-round ratios): $ratio"

if [ -x "$ENCODER_BENCH" ]; then
  echo
  wait_for_quiet
  echo "== json_encoder_bench (CPU $LOAD_CPU)"
  timeout 300 taskset -c "$LOAD_CPU" "$ENCODER_BENCH" --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true
else
  echo "json_encoder_bench not built (install libbenchmark-dev); skipped"
fi
