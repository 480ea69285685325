#!/usr/bin/env bash
# Benchmarks trackd on loopback against trackd_noop_server (the same gRPC
# callback service whose handlers do nothing), in one run, and prints one
# Markdown table of every row of docs/performance.md:
#
#   1. h2load Track, 1 000 in flight (-c 50 -m 20): calls/s, trackd vs noop;
#   2. h2load Track, 64 in flight (-c 4 -m 16): the same;
#   3. h2load TrackBatch of 500 events (-c 4 -m 4): events/s, the same;
#   4. trackd_load closed loop at 1 000 in flight: calls/s, p50 and p99;
#      rows 1 and 2 also run against "noopd", the noop server finishing its
#      calls from a thread FINISH_AFTER after they arrive, as any durable
#      store must (gRPC's own floor for such an acknowledgement);
#      these four rows run ROUNDS times, interleaved (trackd, then noop, row
#      by row), each on a fresh server; the table gives medians and the median
#      of the per-round trackd/noop ratios;
#   5. trackd_load open loop at half of trackd's peak (the median of row 1, or
#      RATE): p50/p99 from each call's due time, and whether trackd's p99 <=
#      5 ms; against noop too, whose percentiles are the client's own share;
#   6. a sustained run: one trackd with default flags (DEDUPE_MAX_IDS aside)
#      takes SUSTAINED_STEPS steps of STEP_EVENTS events through TrackBatch;
#      after each, its RSS (VmRSS) and the step's events/s, and the ratio of
#      the throughput after the dedupe index is full to the one before; then a
#      control run of the same steps against a cap it never reaches (the index
#      grows the same but never evicts), so the evicting steps compare with the
#      same steps without eviction;
#   7. the per-stage micro benchmarks (stages_bench) and the JSON encoder's.
#
# Servers are pinned to CPU $SERVER_CPU, the load to CPU $LOAD_CPU. Before
# each run the script waits (up to QUIET_WAIT seconds) for the machine to be
# idle; "others%" is the share of all CPU time anything else used while the
# load ran (a run with more than a few percent is suspect). Server CPU per
# call (or per event) is the server process's user+system CPU over the run
# divided by what it served.
#
# h2load counts every HTTP 200 as a success, and a gRPC error is an HTTP 200
# with a grpc-status trailer, so after every run the server's own count
# (trackd's events_stored, the noop server's calls and events; in the
# sustained run also trackd's /metrics after each step) must equal what the
# client saw succeed; the script stops with an error when it does not.
#
# Settings (environment; QUICK=1 changes the defaults to a ~2 minute run with
# 1 round, fewer calls and a 1 M-event sustained run against a 400 k-id cap):
#   ROUNDS=3               rounds of rows 1-4
#   TRACK_CALLS=150000     h2load calls per Track run (QUICK: 30000)
#   BATCH_CALLS=4000       h2load TrackBatch calls per run (QUICK: 600)
#   LOAD_CALLS=100000      trackd_load measured calls (QUICK: 30000), after WARMUP=2000
#   LOAD_CONCURRENCY=1000  LOAD_CHANNELS=50   trackd_load's callers and connections
#   RATE=0                 open-loop calls/s; 0 = half of trackd's row-1 median
#   OPEN_SECONDS=10        length of the open-loop run (QUICK: 4)
#   SUSTAINED_STEPS=8      STEP_EVENTS=500000 (QUICK: 125000; a multiple of 500)
#   DEDUPE_MAX_IDS=        empty = trackd's default (QUICK: 400000)
#   BENCH_REPETITIONS=5    micro benchmark repetitions (QUICK: 1)
#   MAX_SECONDS=120        bound on each load run
#   FINISH_AFTER=400us     the noopd rows: the noop server finishing its Track calls from a
#                          thread, in groups, this long after they arrive (about one fdatasync
#                          here): what gRPC itself charges for an acknowledgement given
#                          after a durable write rather than in the handler
#   SERVER_CPU=0 LOAD_CPU=1 QUIET_WAIT=120 (QUICK: 5) BUILD=1 (0 = use build/ as it is)
#   PROFILE_DIR=           if set: after the rounds, one more trackd run of each h2load
#                          row under `perf record -g` (not counted in the table); the
#                          data and a `perf report` of each go there
# Data directories go under ${TMPDIR:-/tmp} (its file system decides what an
# fsync costs).
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "bench.sh: $*" >&2
  exit 1
}

QUICK="${QUICK:-0}"
[[ "$QUICK" =~ ^[01]$ ]] || die "QUICK must be 0 or 1, got '$QUICK'"
if ((QUICK)); then
  ROUNDS="${ROUNDS:-1}" TRACK_CALLS="${TRACK_CALLS:-30000}" BATCH_CALLS="${BATCH_CALLS:-600}"
  LOAD_CALLS="${LOAD_CALLS:-30000}" OPEN_SECONDS="${OPEN_SECONDS:-4}"
  STEP_EVENTS="${STEP_EVENTS:-125000}" DEDUPE_MAX_IDS="${DEDUPE_MAX_IDS:-400000}"
  BENCH_REPETITIONS="${BENCH_REPETITIONS:-1}" QUIET_WAIT="${QUIET_WAIT:-5}"
fi
ROUNDS="${ROUNDS:-3}"
TRACK_CALLS="${TRACK_CALLS:-150000}"
BATCH_CALLS="${BATCH_CALLS:-4000}"
LOAD_CALLS="${LOAD_CALLS:-100000}"
WARMUP="${WARMUP:-2000}"
LOAD_CONCURRENCY="${LOAD_CONCURRENCY:-1000}"
LOAD_CHANNELS="${LOAD_CHANNELS:-50}"
RATE="${RATE:-0}"
OPEN_SECONDS="${OPEN_SECONDS:-10}"
SUSTAINED_STEPS="${SUSTAINED_STEPS:-8}"
STEP_EVENTS="${STEP_EVENTS:-500000}"
DEDUPE_MAX_IDS="${DEDUPE_MAX_IDS:-}"
BENCH_REPETITIONS="${BENCH_REPETITIONS:-5}"
MAX_SECONDS="${MAX_SECONDS:-120}"
FINISH_AFTER="${FINISH_AFTER:-400us}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
QUIET_WAIT="${QUIET_WAIT:-120}"
BUILD="${BUILD:-1}"
PROFILE_DIR="${PROFILE_DIR:-}"
BATCH_ITEMS=500

for name in ROUNDS TRACK_CALLS BATCH_CALLS LOAD_CALLS WARMUP LOAD_CONCURRENCY LOAD_CHANNELS RATE \
  OPEN_SECONDS SUSTAINED_STEPS STEP_EVENTS BENCH_REPETITIONS MAX_SECONDS SERVER_CPU LOAD_CPU \
  QUIET_WAIT BUILD; do
  [[ "${!name}" =~ ^[0-9]+$ ]] || die "$name must be a non-negative integer, got '${!name}'"
done
[ -z "$DEDUPE_MAX_IDS" ] || [[ "$DEDUPE_MAX_IDS" =~ ^[1-9][0-9]*$ ]] ||
  die "DEDUPE_MAX_IDS must be empty or a positive integer, got '$DEDUPE_MAX_IDS'"
((ROUNDS >= 1 && ROUNDS <= 20)) || die "ROUNDS must be 1 to 20"
[[ "$FINISH_AFTER" =~ ^[1-9][0-9]*(us|ms)$ ]] || die "FINISH_AFTER must be like 400us or 1ms, got '$FINISH_AFTER'"
((TRACK_CALLS >= 1000 && TRACK_CALLS <= 10000000)) || die "TRACK_CALLS must be 1000 to 10000000"
((BATCH_CALLS >= 16 && BATCH_CALLS <= 100000)) || die "BATCH_CALLS must be 16 to 100000"
((LOAD_CALLS >= 1000 && LOAD_CALLS <= 10000000)) || die "LOAD_CALLS must be 1000 to 10000000"
((LOAD_CONCURRENCY >= 1 && LOAD_CONCURRENCY <= 10000)) || die "LOAD_CONCURRENCY must be 1 to 10000"
((LOAD_CHANNELS >= 1 && LOAD_CHANNELS <= 64)) || die "LOAD_CHANNELS must be 1 to 64"
((RATE <= 1000000)) || die "RATE must be at most 1000000"
((OPEN_SECONDS >= 1 && OPEN_SECONDS <= 300)) || die "OPEN_SECONDS must be 1 to 300"
((SUSTAINED_STEPS >= 2 && SUSTAINED_STEPS <= 40)) || die "SUSTAINED_STEPS must be 2 to 40"
((STEP_EVENTS >= 8000 && STEP_EVENTS % BATCH_ITEMS == 0)) ||
  die "STEP_EVENTS must be a multiple of $BATCH_ITEMS, at least 8000"
((BENCH_REPETITIONS >= 1 && BENCH_REPETITIONS <= 20)) || die "BENCH_REPETITIONS must be 1 to 20"
((MAX_SECONDS >= 1 && MAX_SECONDS <= 600)) || die "MAX_SECONDS must be 1 to 600"
((QUIET_WAIT <= 600)) || die "QUIET_WAIT must be at most 600"
((BUILD <= 1)) || die "BUILD must be 0 or 1"
((SERVER_CPU != LOAD_CPU)) || die "SERVER_CPU and LOAD_CPU must differ"
if [ -n "$PROFILE_DIR" ]; then
  command -v perf >/dev/null || die "PROFILE_DIR needs perf (Debian: linux-perf)"
  mkdir -p "$PROFILE_DIR" || die "cannot create PROFILE_DIR $PROFILE_DIR"
  PROFILE_DIR="$(cd "$PROFILE_DIR" && pwd)"
fi
(($(nproc) > SERVER_CPU && $(nproc) > LOAD_CPU)) || die "this machine lacks CPU $SERVER_CPU or $LOAD_CPU"

TRACKD=build/server/trackd
NOOP=build/bench/trackd_noop_server
LOAD=build/bench/trackd_load
BODY=build/bench/trackd_bench_body
STAGES_BENCH=build/bench/stages_bench
ENCODER_BENCH=build/bench/json_encoder_bench
if ((BUILD)); then
  # Only what the benchmark runs: the whole tree (tests included) takes far longer.
  bash scripts/install_deps.sh
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  targets=(trackd trackd_noop_server trackd_load trackd_bench_body)
  # The micro benchmarks exist only when Google Benchmark was found.
  build_targets="$(cmake --build build --target help)"
  for target in stages_bench json_encoder_bench; do
    grep -q "^$target:" <<<"$build_targets" && targets+=("$target")
  done
  cmake --build build -j2 --target "${targets[@]}"
fi
for binary in "$TRACKD" "$NOOP" "$LOAD" "$BODY"; do
  [ -x "$binary" ] || die "$binary was not built (is TRACKD_BUILD_BENCH on?)"
done
for tool in h2load taskset curl; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install_deps.sh installs it)"
done
CLK_TCK="$(getconf CLK_TCK)"
# The cap the sustained run passes: DEDUPE_MAX_IDS, or the default trackd reports.
# (--helpfull exits non-zero, hence the `|| true`.)
MAX_IDS="${DEDUPE_MAX_IDS:-$({ "$TRACKD" --helpfull 2>&1 || true; } | grep -A2 -- '--dedupe_max_ids' |
  sed -n 's/.*default: \([0-9]*\);.*/\1/p' | head -1)}"
[[ "$MAX_IDS" =~ ^[0-9]+$ ]] || die "cannot read trackd's default --dedupe_max_ids from --helpfull"
((MAX_IDS >= STEP_EVENTS && SUSTAINED_STEPS * STEP_EVENTS >= MAX_IDS + STEP_EVENTS)) ||
  die "the sustained run needs a step before and a step after the dedupe cap ($MAX_IDS ids):" \
    "STEP_EVENTS ($STEP_EVENTS) <= cap, SUSTAINED_STEPS * STEP_EVENTS >= cap + STEP_EVENTS"

work="$(mktemp -d "${TMPDIR:-/tmp}/trackd-bench.XXXXXX")"
server_pid=""
perf_pid=""
cleanup() {
  if [ -n "$perf_pid" ] && kill -0 "$perf_pid" 2>/dev/null; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # The EXIT trap then cleans up.
mkdir "$work/results"

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

# Prints awk's evaluation of the expression $1 with -v assignments $2...
calc() {
  local expression="$1"
  shift
  local args=()
  for assignment in "$@"; do args+=(-v "$assignment"); done
  awk "${args[@]}" "BEGIN { print ($expression) }"
}

# Table cells: fmt groups thousands (12 345), dec rounds to $2 decimals, met
# says whether ratio $1 reaches goal $2.
fmt() { awk -v x="$1" 'BEGIN { if (x == "n/a") { print x; exit }
  s = sprintf("%.0f", x); out = ""; while (length(s) > 3) { out = " " substr(s, length(s) - 2) out
  s = substr(s, 1, length(s) - 3) } print s out }'; }
dec() { awk -v x="$1" -v d="$2" 'BEGIN { if (x == "n/a") print x; else printf "%.*f\n", d, x }'; }
met() { calc 'r >= g ? "yes" : "**no**"' "r=$1" "g=$2"; }

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

# Starts server kind $1 (trackd | noop | noopd: noop finishing its calls from
# a thread, FINISH_AFTER after they arrive) pinned to SERVER_CPU, with extra flags
# $2... for trackd; sets server_pid, port and (trackd) admin_port once the
# port file appears (bounded wait).
start_server() {
  local kind="$1"
  shift
  rm -f "$work/port" "$work/server.err"
  case "$kind" in
    trackd)
      taskset -c "$SERVER_CPU" "$TRACKD" --listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 \
        --port_file="$work/port" --data_dir="$(mktemp -d "$work/data.XXXXXX")" "$@" \
        >"$work/server.err" 2>&1 &
      ;;
    noop)
      taskset -c "$SERVER_CPU" "$NOOP" --listen=127.0.0.1:0 --port_file="$work/port" \
        2>"$work/server.err" &
      ;;
    noopd)
      taskset -c "$SERVER_CPU" "$NOOP" --listen=127.0.0.1:0 --port_file="$work/port" \
        --finish_after="$FINISH_AFTER" 2>"$work/server.err" &
      ;;
  esac
  server_pid=$!
  for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; die "$kind exited at start"; }
    sleep 0.1
  done
  [ -s "$work/port" ] || die "$kind wrote no port file within 10 s"
  port="$(cat "$work/port")"
  admin_port="$(sed -n 's/.*"msg":"serving".*"admin_port":"\([0-9]*\)".*/\1/p' "$work/server.err")"
}

# SIGTERMs the server, waits up to 40 s (then SIGKILL), and sets `stopped` to
# the last "stopped" line of its log. Not in a subshell: it must wait for its child.
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null || true # It may have died already; wait reports how.
  for _ in $(seq 400); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  local rc=0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    die "the server did not stop within 40 s of SIGTERM"
  fi
  wait "$server_pid" || rc=$?
  server_pid=""
  ((rc == 0)) || { tail -5 "$work/server.err" >&2; die "the server exited with $rc"; }
  stopped="$(grep '"msg":"stopped"' "$work/server.err" | tail -1)"
  [ -n "$stopped" ] || die "the server logged no \"stopped\" line"
  rm -rf "$work"/data.* # Up to a few GB over a whole run.
}

# Around a load run: begin_measure, then the load, then end_measure sets
# server_ticks (the server's CPU ticks), client_cpu (seconds of this shell's
# children, i.e. the load generator) and others (the percentage of all CPU
# time used by anything but those two).
begin_measure() {
  ticks_before="$(cpu_ticks "$server_pid")"
  read_children_cpu
  load_cpu_before="$children_cpu"
  jiffies_before="$(cpu_jiffies)"
}
end_measure() {
  local jiffies_after ticks_after
  jiffies_after="$(cpu_jiffies)"
  ticks_after="$(cpu_ticks "$server_pid")"
  read_children_cpu
  server_ticks=$((ticks_after - ticks_before))
  client_cpu="$(calc 'y - x' "x=$load_cpu_before" "y=$children_cpu")"
  others="$(awk -v a="$jiffies_before" -v b="$jiffies_after" -v server="$server_ticks" \
    -v load="$client_cpu" -v hz="$CLK_TCK" 'BEGIN { split(a, x); split(b, y); total = y[2] - x[2]
      o = (y[1] - x[1]) - server - load * hz; printf "%d", total ? 100 * (o < 0 ? 0 : o) / total : 0 }')"
}

# Prints the server CPU µs per unit: $1 ticks over $2 units.
cpu_us_per() {
  calc 'n ? sprintf("%.2f", t * 1e6 / hz / n) : "n/a"' "t=$1" "hz=$CLK_TCK" "n=$2"
}

# Writes a fresh body of kind $1 (track | batch) to $work/body.bin: the
# timestamp must be near trackd's clock.
write_body() {
  "$BODY" --kind="$1" --items="$BATCH_ITEMS" --out="$work/body.bin" || die "trackd_bench_body failed"
}

# Runs h2load against the server at $port: $1 = method (Track | TrackBatch),
# $2 = calls, $3 = clients, $4 = streams per client. Sets h2_rate (calls/s)
# and h2_ok (succeeded calls); dies unless every call succeeded.
run_h2load() {
  local method="$1" calls="$2" clients="$3" streams="$4" rc=0
  timeout $((MAX_SECONDS + 30)) taskset -c "$LOAD_CPU" h2load -t 1 -n "$calls" -c "$clients" \
    -m "$streams" -d "$work/body.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$port/trackd.v1.TrackService/$method" >"$work/h2load.out" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -5 "$work/h2load.out" >&2
    die "h2load $method exited with $rc (124: it ran past $((MAX_SECONDS + 30)) s)"
  fi
  h2_rate="$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$work/h2load.out")"
  local line
  line="$(grep '^requests:' "$work/h2load.out")" || die "h2load printed no requests line"
  h2_ok="$(sed -n 's/.* \([0-9]*\) succeeded.*/\1/p' <<<"$line")"
  local codes
  codes="$(grep '^status codes:' "$work/h2load.out")"
  [ -n "$h2_rate" ] && [ "$h2_ok" = "$calls" ] ||
    die "h2load $method: $calls calls asked, not all succeeded: $line / $codes"
}

# Dies unless the server's own count in `stopped` matches what the client saw:
# $1 = kind, $2 = calls, $3 = events per call, $4 = what ran (for the message).
check_served() {
  local kind="$1" calls="$2" items="$3" what="$4" events=$(($2 * $3))
  if [ "$kind" = trackd ]; then
    local stored
    stored="$(json_field events_stored "$stopped")"
    [ "$stored" = "$events" ] ||
      die "$what: trackd stored $stored events, the client saw $events acknowledged" \
        "(h2load counts an answer with a gRPC error status as a success: calls were refused)"
  else
    local noop_calls noop_events
    noop_calls="$(json_field calls "$stopped")"
    noop_events="$(json_field events "$stopped")"
    [ "$noop_calls" = "$calls" ] && [ "$noop_events" = "$events" ] ||
      die "$what: noop counted $noop_calls calls / $noop_events events, the client $calls / $events"
  fi
}

# Sets the caller's method, clients, streams, calls and items for row $1
# (track1000 | track64 | batch), waits for a quiet machine and writes the body.
prepare_row() {
  method=Track calls="$TRACK_CALLS" items=1
  case "$1" in
    track1000) clients=50 streams=20 ;;
    track64) clients=4 streams=16 ;;
    batch) clients=4 streams=4 method=TrackBatch calls="$BATCH_CALLS" items="$BATCH_ITEMS" ;;
  esac
  wait_for_quiet
  if [ "$1" = batch ]; then write_body batch; else write_body track; fi
}

# Row $1 (track1000 | track64 | batch) against server kind $2, one round:
# appends "rate server_cpu_us client_cpu_us others" to $work/results/$1.$2,
# rate in calls/s (events/s for batch), CPU per call (per event for batch).
h2load_round() {
  local row="$1" kind="$2" method clients streams calls items
  prepare_row "$row"
  start_server "$kind" --shutdown_grace=5s
  begin_measure
  run_h2load "$method" "$calls" "$clients" "$streams"
  end_measure
  stop_server
  check_served "$kind" "$calls" "$items" "h2load $method -c $clients -m $streams against $kind"
  local events=$((calls * items))
  local rate
  rate="$(calc 'sprintf("%.0f", r * i)' "r=$h2_rate" "i=$items")"
  echo "$row $kind: $rate $([ "$items" = 1 ] && echo calls/s || echo events/s)," \
    "server CPU $(cpu_us_per "$server_ticks" "$calls") µs/call," \
    "h2load CPU $(calc 'sprintf("%.1f", c * 1e6 / n)' "c=$client_cpu" "n=$calls") µs/call," \
    "others ${others}%"
  echo "$rate $(cpu_us_per "$server_ticks" "$events")" \
    "$(calc 'sprintf("%.2f", c * 1e6 / n)' "c=$client_cpu" "n=$events") $others" \
    >>"$work/results/$row.$kind"
}

# Row $1 (as h2load_round) against trackd once more, under perf record; writes
# $PROFILE_DIR/$1.perf.data and $PROFILE_DIR/$1.txt (perf report, by symbol).
profile_row() {
  local row="$1" method clients streams calls items
  prepare_row "$row"
  start_server trackd --shutdown_grace=5s
  timeout $((MAX_SECONDS + 60)) perf record -F 999 -g -o "$PROFILE_DIR/$row.perf.data" \
    -p "$server_pid" >"$PROFILE_DIR/$row.record.log" 2>&1 &
  perf_pid=$!
  sleep 1 # perf attaches to every thread before the load starts; only the profile's start depends on it.
  run_h2load "$method" "$calls" "$clients" "$streams"
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" || true
  perf_pid=""
  stop_server
  check_served trackd "$calls" "$items" "profiled h2load $method against trackd"
  perf report -i "$PROFILE_DIR/$row.perf.data" --stdio --no-children -g none --sort dso,symbol \
    --percent-limit 0.5 >"$PROFILE_DIR/$row.txt" 2>/dev/null ||
    die "perf report of $row failed (see $PROFILE_DIR/$row.record.log)"
  echo "profile $row: $PROFILE_DIR/$row.txt; top symbols:"
  grep -E '^ +[0-9.]+%' "$PROFILE_DIR/$row.txt" | head -12 | sed -E 's/ +/ /g; s/( -)+ *$//'
}

# trackd_load's closed loop against kind $1, one round: appends
# "calls/s p50_us p99_us server_cpu_us client_cpu_us others" to $work/results/closed.$1.
closed_round() {
  local kind="$1" load_json load_rc=0
  wait_for_quiet
  start_server "$kind" --shutdown_grace=5s
  begin_measure
  load_json="$(timeout $((MAX_SECONDS + 30)) taskset -c "$LOAD_CPU" "$LOAD" \
    --target="127.0.0.1:$port" --concurrency="$LOAD_CONCURRENCY" --channels="$LOAD_CHANNELS" \
    --requests="$LOAD_CALLS" --warmup_requests="$WARMUP" --max_seconds="$MAX_SECONDS")" || load_rc=$?
  end_measure
  stop_server
  echo "closed $kind: $load_json (others ${others}%)"
  ((load_rc == 0)) || die "trackd_load against $kind failed (exit $load_rc)"
  local ok warmup
  ok="$(json_field ok "$load_json")"
  warmup="$(json_field warmup_calls "$load_json")"
  check_served "$kind" $((ok + warmup)) 1 "trackd_load against $kind"
  echo "$(json_field calls_per_sec "$load_json") $(json_field p50_us "$load_json")" \
    "$(json_field p99_us "$load_json") $(cpu_us_per "$server_ticks" $((ok + warmup)))" \
    "$(json_field client_cpu_us_per_call "$load_json") $others" >>"$work/results/closed.$kind"
}

echo "== trackd vs noop: $ROUNDS rounds; server on CPU $SERVER_CPU, load on CPU $LOAD_CPU$( ((QUICK)) && echo '; QUICK')"
echo "== $(nproc) CPUs, $(uname -r), data on $(df --output=fstype "$work" | tail -1)," \
  "tree $(git describe --always --dirty 2>/dev/null || echo unknown), $(date -u '+%Y-%m-%d %H:%M UTC')"
for round in $(seq "$ROUNDS"); do
  echo "-- round $round"
  for row in track1000 track64 batch; do
    h2load_round "$row" trackd
    h2load_round "$row" noop
    [ "$row" = batch ] || h2load_round "$row" noopd
  done
  closed_round trackd
  closed_round noop
done

if [ -n "$PROFILE_DIR" ]; then
  echo "-- profiles (perf record -F 999 -g of trackd, one more run per row; not in the table)"
  for row in track1000 track64 batch; do profile_row "$row"; done
fi

column_median() { # $1 = results file, $2 = column
  awk -v c="$2" '{ print $c }' "$work/results/$1" | median
}
# The median over rounds of trackd's column $2 / noop's column $2 for row $1
# (rounds are paired: trackd, then noop); $3 = noopd compares with that instead.
ratio_median() {
  paste -d' ' "$work/results/$1.trackd" "$work/results/$1.${3:-noop}" |
    awk -v c="$2" '{ n = NF / 2; printf "%.3f\n", $(c + n) ? $c / $(c + n) : 0 }' | median
}

# -- open loop at half of trackd's peak, against trackd and (for reference: the
# client's and the machine's own share of the latency) noop.
peak="$(column_median track1000.trackd 1)"
open_rate="$RATE"
((open_rate > 0)) || open_rate="$(calc 'sprintf("%d", p / 2)' "p=$peak")"
((open_rate >= 1)) || die "no peak rate to halve (trackd's row-1 median is '$peak')"
open_calls=$((open_rate * OPEN_SECONDS))
# Appends "p50_us p99_us achieved_rate server_cpu_us others" to
# $work/results/open.$1 and warns when the client could not keep the rate.
open_round() {
  local kind="$1" open_json open_rc=0
  wait_for_quiet
  start_server "$kind" --shutdown_grace=5s
  begin_measure
  open_json="$(timeout $((OPEN_SECONDS * 3 + 60)) taskset -c "$LOAD_CPU" "$LOAD" \
    --target="127.0.0.1:$port" --rate="$open_rate" --requests="$open_calls" \
    --warmup_requests="$WARMUP" --concurrency=64 --channels=4 \
    --max_seconds=$((OPEN_SECONDS * 3 + 30)))" || open_rc=$?
  end_measure
  stop_server
  echo "open $kind: $open_json (others ${others}%)"
  ((open_rc == 0)) || die "trackd_load --rate=$open_rate against $kind failed (exit $open_rc)"
  local served achieved
  served=$(($(json_field ok "$open_json") + $(json_field warmup_calls "$open_json")))
  check_served "$kind" "$served" 1 "trackd_load --rate against $kind"
  achieved="$(json_field achieved_rate "$open_json")"
  if [ "$(calc 'a < 0.95 * t' "a=$achieved" "t=$open_rate")" = 1 ]; then
    echo "warning: against $kind the client started only $achieved of $open_rate calls/s:" \
      "it, not the server, set the pace" >&2
  fi
  echo "$(json_field p50_us "$open_json") $(json_field p99_us "$open_json") $achieved" \
    "$(cpu_us_per "$server_ticks" "$served") $others" >"$work/results/open.$kind"
}
# The same fixed rate sent by h2load (--rps per connection, up to 100 calls in
# flight on each of RATE_CLIENTS connections), whose cost per call (about 12 µs)
# leaves the client idle most of the time, so the percentiles are the
# server's: trackd_load's open loop costs 60-75 µs per call and at this rate
# its own pauses set its p99 (the noop row shows them). Latency runs from the
# request's send, read from h2load's per-request log. Appends
# "p50_us p99_us achieved_rate server_cpu_us others" to $work/results/rate.$1.
RATE_CLIENTS=8
rate_round() {
  local kind="$1" rc=0
  local per_client=$(((open_rate + RATE_CLIENTS - 1) / RATE_CLIENTS))
  local calls=$((per_client * RATE_CLIENTS * OPEN_SECONDS))
  wait_for_quiet
  write_body track
  start_server "$kind" --shutdown_grace=5s
  begin_measure
  timeout $((OPEN_SECONDS * 3 + 60)) taskset -c "$LOAD_CPU" h2load -t 1 -n "$calls" \
    -c "$RATE_CLIENTS" -m 100 --rps="$per_client" --log-file="$work/rate.log" \
    -d "$work/body.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://127.0.0.1:$port/trackd.v1.TrackService/Track" >"$work/h2load.out" 2>&1 || rc=$?
  end_measure
  # trackd's own view: the share of calls its request histogram saw finish
  # within 5 ms (handler start to Finish, the fsync wait included; not the
  # client's queueing or the network), and the bucket holding the p99.
  server_within_5ms="n/a" server_p99_bucket="n/a"
  if [ "$kind" = trackd ]; then
    local metrics
    metrics="$(curl -sS --noproxy '*' --max-time 10 "http://127.0.0.1:$admin_port/metrics")" ||
      die "cannot read trackd's /metrics on port $admin_port"
    read -r server_within_5ms server_p99_bucket < <(awk '
      /^trackd_request_duration_seconds_bucket\{method="Track",le="/ {
        split($1, a, "le=\""); le = a[2]; sub(/".*/, "", le); n++; bound[n] = le; count[n] = $2 }
      /^trackd_request_duration_seconds_count\{method="Track"\}/ { total = $2 }
      END { within = 0; p99 = "n/a"
        for (i = 1; i <= n; i++) {
          if (bound[i] == "0.005") within = count[i]
          if (p99 == "n/a" && total > 0 && count[i] >= 0.99 * total) p99 = bound[i] }
        printf "%.4f %s\n", total ? within / total : 0, p99 }' <<<"$metrics")
  fi
  stop_server
  ((rc == 0)) || { tail -5 "$work/h2load.out" >&2; die "h2load --rps against $kind exited with $rc"; }
  check_served "$kind" "$calls" 1 "h2load --rps=$per_client x $RATE_CLIENTS against $kind"
  local rate p50 p99
  rate="$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$work/h2load.out")"
  read -r p50 p99 < <(awk -F'\t' '{ print $3 }' "$work/rate.log" | sort -n | awk '
    { v[NR] = $1 } END { i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1
      if (i99 < 1) i99 = 1; print v[i50], v[i99] }')
  echo "rate $kind: $(fmt "$rate") calls/s sent at $per_client/s on each of $RATE_CLIENTS connections," \
    "p50 $p50 µs, p99 $p99 µs, server CPU $(cpu_us_per "$server_ticks" "$calls") µs/call, others ${others}%"
  echo "$p50 $p99 $rate $(cpu_us_per "$server_ticks" "$calls") $others $server_within_5ms $server_p99_bucket" \
    >"$work/results/rate.$kind"
}

echo "-- open loop: $open_rate calls/s for $OPEN_SECONDS s ($open_calls calls)"
open_round trackd
open_round noop
echo "-- fixed rate by h2load: $open_rate calls/s for $OPEN_SECONDS s"
rate_round trackd
rate_round noop
open_field() { awk -v c="$2" '{ print $c }' "$work/results/open.$1"; } # $1 = kind, $2 = column
open_p99="$(open_field trackd 2)"
open_achieved="$(open_field trackd 3)"
open_note=""
if [ "$(calc 'a < 0.95 * t' "a=$open_achieved" "t=$open_rate")" = 1 ]; then
  open_note="; **the client started only $(fmt "$open_achieved") calls/s**"
fi

# -- sustained run: one trackd with default flags, past the dedupe cap; then
# the control: the same steps against a cap the run never reaches, so the
# index grows the same but never evicts. Comparing step by step tells the cost
# of evicting from the cost of a bigger index (more cache and TLB misses).
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$server_pid/status"; }
stored_metric() {
  curl -sS --noproxy '*' --max-time 10 "http://127.0.0.1:$admin_port/metrics" |
    awk '$1 == "trackd_events_stored_total" { print $2 }'
}
# $1 = results file; $2 = the cap (ids) the phase column is computed against;
# then trackd's extra flags. Sets rss_idle.
sustained_run() {
  local results="$1" cap="$2"
  shift 2
  wait_for_quiet
  start_server trackd "$@"
  [ -n "$admin_port" ] || die "trackd logged no admin_port"
  rss_idle="$(rss_kib)"
  echo "idle RSS $((rss_idle / 1024)) MiB"
  : >"$results"
  local step total stored rss rate phase
  for step in $(seq "$SUSTAINED_STEPS"); do
    write_body batch
    begin_measure
    run_h2load TrackBatch $((STEP_EVENTS / BATCH_ITEMS)) 4 4
    end_measure
    total=$((step * STEP_EVENTS))
    stored="$(stored_metric)" || die "cannot read trackd's /metrics on port $admin_port"
    [ "$stored" = "$total" ] ||
      die "sustained step $step: trackd_events_stored_total is '$stored', the client saw $total acknowledged"
    rss="$(rss_kib)"
    rate="$(calc 'sprintf("%.0f", r * i)' "r=$h2_rate" "i=$BATCH_ITEMS")"
    # Before: the index held fewer than the cap through the whole step; after:
    # it was full (evicting) from the step's start.
    phase="$(calc 'e <= m ? "before" : (e - s >= m ? "after" : "reaching")' \
      "e=$total" "s=$STEP_EVENTS" "m=$cap")"
    echo "$step $total $phase $((rss / 1024)) $rate $(cpu_us_per "$server_ticks" "$STEP_EVENTS") $others" |
      tee -a "$results"
  done
  stop_server
  check_served trackd $((SUSTAINED_STEPS * STEP_EVENTS / BATCH_ITEMS)) "$BATCH_ITEMS" "sustained run"
}
echo "-- sustained: $SUSTAINED_STEPS steps of $STEP_EVENTS events through TrackBatch $BATCH_ITEMS," \
  "dedupe cap $MAX_IDS ids"
sustained_flags=()
[ -z "$DEDUPE_MAX_IDS" ] || sustained_flags+=(--dedupe_max_ids="$DEDUPE_MAX_IDS")
sustained_run "$work/results/sustained" "$MAX_IDS" "${sustained_flags[@]}"
rss_idle_default="$rss_idle"
control_cap=$((2 * SUSTAINED_STEPS * STEP_EVENTS))
echo "-- control: the same steps, dedupe cap $control_cap ids (never reached)"
sustained_run "$work/results/control" "$MAX_IDS" --dedupe_max_ids="$control_cap"
rss_idle="$rss_idle_default"
rss_at_cap="$(awk -v m="$MAX_IDS" '$2 >= m { print $4; exit }' "$work/results/sustained")"
before_rate="$(awk '$3 == "before" { print $5 }' "$work/results/sustained" | median)"
after_rate="$(awk '$3 == "after" { print $5 }' "$work/results/sustained" | median)"
control_after_rate="$(awk '$3 == "after" { print $5 }' "$work/results/control" | median)"
rss_final="$(tail -1 "$work/results/sustained" | awk '{ print $4 }')"

# -- micro benchmarks: prints "| name | ns |" rows of Google Benchmark's JSON
# output $1: the medians (each run when there is one repetition), per event
# where the benchmark counts items, else per iteration (CPU time).
micro_rows() {
  python3 - "$1" "$BENCH_REPETITIONS" <<'EOF_PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
repetitions = int(sys.argv[2])
scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
for run in runs:
    name = run.get("run_name", run["name"])
    if run.get("error_occurred"):
        print(f"| `{name}` | error: {run.get('error_message', '')} |")
        continue
    if repetitions > 1 and run.get("aggregate_name") != "median":
        continue
    if repetitions == 1 and run.get("run_type") == "aggregate":
        continue
    per_second = run.get("items_per_second")
    ns = 1e9 / per_second if per_second else run["cpu_time"] * scale[run["time_unit"]]
    print(f"| `{name}` | {ns:,.0f} |".replace(",", " "))
EOF_PY
}
micro_table=""
for bench in "$STAGES_BENCH" "$ENCODER_BENCH"; do
  if [ -x "$bench" ]; then
    wait_for_quiet
    echo "-- $(basename "$bench") (CPU $LOAD_CPU, $BENCH_REPETITIONS repetitions)"
    timeout 600 taskset -c "$LOAD_CPU" "$bench" --benchmark_repetitions="$BENCH_REPETITIONS" \
      --benchmark_report_aggregates_only=true --benchmark_out_format=json \
      --benchmark_out="$work/micro.json" || die "$(basename "$bench") failed"
    micro_table+="$(micro_rows "$work/micro.json")"$'\n'
  else
    echo "$(basename "$bench") not built (install libbenchmark-dev); skipped"
  fi
done

# -- the table
others_max() { cat "$work/results/$1".* | awk '{ print $NF }' | sort -n | tail -1; }
echo
echo "## Results"
echo
echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), tree \`$(git describe --always --dirty 2>/dev/null || echo unknown)\`," \
  "$ROUNDS round(s)$( ((QUICK)) && echo ', QUICK=1')." \
  "Server on CPU $SERVER_CPU, load on CPU $LOAD_CPU; medians over the rounds, ratio = median of the per-round ratios."
echo
echo "| load | noop | trackd | trackd/noop | goal | met | server CPU noop | server CPU trackd | others% (max) |"
echo "|---|---:|---:|---:|---:|:-:|---:|---:|---:|"
for row in track1000 track64 batch; do
  case "$row" in
    track1000) label='Track, h2load `-c 50 -m 20` (1 000 in flight), calls/s' goal=0.90 unit="µs/call" ;;
    track64) label='Track, h2load `-c 4 -m 16` (64 in flight), calls/s' goal=0.90 unit="µs/call" ;;
    batch) label='TrackBatch 500, h2load `-c 4 -m 4`, events/s' goal=0.50 unit="µs/event" ;;
  esac
  ratio="$(ratio_median "$row" 1)"
  echo "| $label | $(fmt "$(column_median "$row.noop" 1)") | $(fmt "$(column_median "$row.trackd" 1)")" \
    "| $(dec "$ratio" 2) | ≥ $goal | $(met "$ratio" "$goal") | $(dec "$(column_median "$row.noop" 2)" 1) $unit" \
    "| $(dec "$(column_median "$row.trackd" 2)" 1) $unit | $(others_max "$row") |"
done
ratio="$(ratio_median closed 1)"
echo "| Track, trackd_load closed loop ($LOAD_CONCURRENCY in flight, $LOAD_CHANNELS connections), calls/s" \
  "| $(fmt "$(column_median closed.noop 1)") | $(fmt "$(column_median closed.trackd 1)") | $(dec "$ratio" 2) | – | –" \
  "| $(dec "$(column_median closed.noop 4)" 1) µs/call | $(dec "$(column_median closed.trackd 4)" 1) µs/call" \
  "| $(others_max closed) |"
echo
echo "Against the floor for a durable acknowledgement: the noop server finishing each Track call from" \
  "a thread, in groups, $FINISH_AFTER after it arrived (noopd), as any store that acknowledges after an fsync must."
echo
echo "| load | noopd calls/s | trackd calls/s | trackd/noopd | noop/noopd | server CPU noopd | server CPU trackd |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in track1000 track64; do
  case "$row" in
    track1000) label='Track, 1 000 in flight' ;;
    track64) label='Track, 64 in flight' ;;
  esac
  noop_over_noopd="$(paste -d' ' "$work/results/$row.noop" "$work/results/$row.noopd" |
    awk '{ n = NF / 2; printf "%.3f\n", $(1 + n) ? $1 / $(1 + n) : 0 }' | median)"
  echo "| $label | $(fmt "$(column_median "$row.noopd" 1)") | $(fmt "$(column_median "$row.trackd" 1)")" \
    "| $(dec "$(ratio_median "$row" 1 noopd)" 2) | $(dec "$noop_over_noopd" 2)" \
    "| $(dec "$(column_median "$row.noopd" 2)" 1) µs/call | $(dec "$(column_median "$row.trackd" 2)" 1) µs/call |"
done
echo
echo "| latency (trackd_load, µs) | noop p50 | noop p99 | trackd p50 | trackd p99 | goal | met |"
echo "|---|---:|---:|---:|---:|---:|:-:|"
echo "| closed loop at peak ($LOAD_CONCURRENCY in flight; client CPU trackd" \
  "$(dec "$(column_median closed.trackd 5)" 1) µs/call) | $(fmt "$(column_median closed.noop 2)")" \
  "| $(fmt "$(column_median closed.noop 3)") | $(fmt "$(column_median closed.trackd 2)")" \
  "| $(fmt "$(column_median closed.trackd 3)") | – | – |"
echo "| open loop, $(fmt "$open_rate") calls/s = half of trackd's peak, from each call's due time" \
  "(server CPU noop $(dec "$(open_field noop 4)" 1), trackd $(dec "$(open_field trackd 4)" 1) µs/call;" \
  "others% $(open_field noop 5) and $(open_field trackd 5)$open_note) | $(fmt "$(open_field noop 1)")" \
  "| $(fmt "$(open_field noop 2)") | $(fmt "$(open_field trackd 1)") | $(fmt "$open_p99")" \
  "| p99 ≤ 5 000 | $(calc 'p <= 5000 ? "yes" : "**no**"' "p=$open_p99") |"
rate_field() { awk -v c="$2" '{ print $c }' "$work/results/rate.$1"; } # $1 = kind, $2 = column
echo "| fixed rate by h2load, $(fmt "$(rate_field trackd 3)") calls/s sent (half of trackd's peak)," \
  "from each request's send (server CPU noop $(dec "$(rate_field noop 4)" 1), trackd" \
  "$(dec "$(rate_field trackd 4)" 1) µs/call; others% $(rate_field noop 5) and $(rate_field trackd 5))" \
  "| $(fmt "$(rate_field noop 1)") | $(fmt "$(rate_field noop 2)") | $(fmt "$(rate_field trackd 1)")" \
  "| $(fmt "$(rate_field trackd 2)") | p99 ≤ 5 000 | $(calc 'p <= 5000 ? "yes" : "**no**"' "p=$(rate_field trackd 2)") |"
echo "| the same run as trackd saw it (\`trackd_request_duration_seconds\`, handler to Finish):" \
  "$(calc 'sprintf("%.2f", w * 100)' "w=$(rate_field trackd 6)") % of calls within 5 ms; the p99 lies in the bucket" \
  "≤ $(rate_field trackd 7) s | – | – | – | – | p99 ≤ 5 000 | $(calc 'w >= 0.99 ? "yes" : "**no**"' "w=$(rate_field trackd 6)") |"
echo
echo "Sustained: one trackd with default flags$([ -n "$DEDUPE_MAX_IDS" ] && echo " but --dedupe_max_ids=$DEDUPE_MAX_IDS")," \
  "TrackBatch of $BATCH_ITEMS (h2load \`-c 4 -m 4\`), server-assigned ids; dedupe cap $(fmt "$MAX_IDS") ids; idle RSS $((rss_idle / 1024)) MiB."
echo
echo "| step | events stored | dedupe index | RSS MiB | events/s in the step | server CPU µs/event | others% | control: events/s, never evicting | control RSS MiB |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|"
while read -r step total phase rss rate cpu step_others control_rate control_rss; do
  case "$phase" in
    before) phase_text="below the cap" ;;
    reaching) phase_text="reaches the cap" ;;
    after) phase_text="full, evicting" ;;
  esac
  echo "| $step | $(fmt "$total") | $phase_text | $rss | $(fmt "$rate") | $cpu | $step_others" \
    "| $(fmt "$control_rate") | $control_rss |"
done < <(paste -d' ' "$work/results/sustained" <(awk '{ print $5, $4 }' "$work/results/control"))
echo
after_ratio="$(calc 'b ? sprintf("%.2f", a / b) : "n/a"' "a=$after_rate" "b=$before_rate")"
control_ratio="$(calc 'b ? sprintf("%.2f", a / b) : "n/a"' "a=$after_rate" "b=$control_after_rate")"
echo "- Evicting vs not: the steps with the index full and evicting ran at **$control_ratio** of the" \
  "same steps in the control, whose index never evicts (medians $(fmt "$after_rate") and" \
  "$(fmt "$control_after_rate") events/s; goal: no drop once it starts evicting)."
echo "- Throughput once the index is full / before it was: $after_ratio (medians $(fmt "$after_rate")" \
  "and $(fmt "$before_rate") events/s; the early steps run with a small index that fits the caches)."
echo "- RSS after the index filled: $rss_final MiB (goal ≤ 100 MiB: $(calc 'r <= 100 ? "yes" : "**no**"' "r=$rss_final"));" \
  "RSS growth up to the cap: $(calc 'sprintf("%.0f", (c * 1024 - i) * 1024 / m)' "c=$rss_at_cap" "i=$rss_idle" "m=$MAX_IDS")" \
  "bytes per remembered id (includes any other growth; the index itself: 27.2, see docs/operations.md)."
if [ -n "$micro_table" ]; then
  echo
  echo "| micro benchmark (median of $BENCH_REPETITIONS) | ns per event |"
  echo "|---|---:|"
  printf '%s' "$micro_table"
fi
