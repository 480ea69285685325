#!/usr/bin/env bash
# Runs a real Apache Kafka (KRaft mode) on 127.0.0.1 for trackd's Kafka tests.
#
#   kafka_cluster.sh fetch                         fetch the broker jars once (idempotent)
#   kafka_cluster.sh version                       print the fetched Kafka version
#   kafka_cluster.sh start DIR N                   start a cluster of N (1 or 3) brokers in DIR
#                                                  (replacing a stopped cluster there)
#   kafka_cluster.sh create-topic DIR NAME PARTITIONS RF [--config k=v ...]
#   kafka_cluster.sh describe-topic DIR NAME
#   kafka_cluster.sh stop-broker DIR I             SIGTERM broker I (1..N), wait (bounded)
#   kafka_cluster.sh kill-broker DIR I             SIGKILL broker I
#   kafka_cluster.sh start-broker DIR I            restart broker I on its config and storage
#   kafka_cluster.sh stop DIR                      stop every broker, then the controller
#
# Layout of a cluster: one dedicated KRaft controller (node id 0, process.roles=controller)
# and N brokers (node ids 1..N, process.roles=broker). The controller is its own process so
# that stopping or killing brokers never takes the metadata quorum away: with 3 combined
# broker+controller nodes, stopping two of them would also lose the controller majority,
# and a fault test would then measure a dead control plane instead of min.insync.replicas.
#
# Files in DIR:
#   bootstrap                    comma-separated host:port list of the broker listeners
#   broker-<i>.pid, broker-<i>.log, broker-<i>/{server.properties,data/}
#   controller.pid, controller.log, controller/{server.properties,data/}
#   cluster.env (size, ports, cluster id), watchdog.pid/.log (with KAFKA_OWNER_PID)
# Logs are appended across restarts.
#
# Environment (all optional):
#   KAFKA_LIBS           jar directory            (default <repo>/build/kafka/libs)
#   KAFKA_M2             Maven repository cache   (default <repo>/build/kafka/m2)
#   KAFKA_BROKER_HEAP    broker -Xmx              (default 512m)
#   KAFKA_START_TIMEOUT  seconds to wait for nodes to serve (default 90)
#   KAFKA_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_OWNER_PID      if set at `start`, a watchdog stops the cluster once this process
#                        has exited (e.g. the test binary's pid, so a crashed or killed
#                        test leaves no brokers behind)
#   KAFKA_JVM_OPTS       extra JVM options for every node, after the defaults (so e.g.
#                        -XX:TieredStopAtLevel=4 brings back the C2 compiler)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
KAFKA_LIBS="${KAFKA_LIBS:-$REPO_ROOT/build/kafka/libs}"
KAFKA_M2="${KAFKA_M2:-$REPO_ROOT/build/kafka/m2}"
KAFKA_BROKER_HEAP="${KAFKA_BROKER_HEAP:-512m}"
KAFKA_CONTROLLER_HEAP="${KAFKA_CONTROLLER_HEAP:-256m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:-}"
KAFKA_OWNER_PID="${KAFKA_OWNER_PID:-}"
LOG4J_CONFIG="$SCRIPT_DIR/log4j2.properties"
# Short-lived tool JVMs (StorageTool, TopicCommand): the C1 compiler only and the serial
# collector start faster and leave the 2 cores to the brokers.
TOOL_JVM_OPTS=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC)

log() { echo "kafka_cluster: $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------------------

java_major() {
  # Prints the major version of `java` on PATH (e.g. 17), or 0 if there is none.
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}

install_tools_if_missing() {
  # Kafka 4.x brokers need Java 17+. Everything comes from Debian's packages.
  local missing=()
  [ "$(java_major)" -ge 17 ] 2>/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return 0
  bash "$SCRIPT_DIR/../../scripts/apt_install.sh" "${missing[@]}" >/dev/null
}

pom_hash() { sha256sum "$SCRIPT_DIR/pom.xml" | cut -d' ' -f1; }

libs_ready() {
  # The jars are current when the stamp written after a complete copy names this pom.
  [ -f "$KAFKA_LIBS/.fetched" ] && [ "$(cat "$KAFKA_LIBS/.fetched")" = "$(pom_hash)" ]
}

cmd_fetch() {
  install_tools_if_missing
  libs_ready && return 0
  mkdir -p "$(dirname "$KAFKA_LIBS")"
  # Two test runs fetching at once must not interleave their copies.
  exec 9>"$KAFKA_LIBS.lock"
  flock -w 900 9 || die "timed out waiting for another fetch ($KAFKA_LIBS.lock)"
  if libs_ready; then exec 9>&-; return 0; fi
  log "fetching Kafka jars into $KAFKA_LIBS (Maven cache $KAFKA_M2)"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"
  # Copy into a temporary directory and rename, so an interrupted fetch never leaves a
  # half-filled libs directory that looks complete.
  # Maven's output goes to a file (even -B -q prints stray terminal escapes) and is shown
  # only when it fails.
  local mvnlog="$KAFKA_LIBS.fetch.log"
  if ! timeout 900 mvn -B -q -Dstyle.color=never -f "$SCRIPT_DIR/pom.xml" \
      -Dmaven.repo.local="$KAFKA_M2" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$mvnlog" 2>&1; then
    cat "$mvnlog" >&2
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed (log $mvnlog)"
  fi
  ls "$tmp"/kafka_2.13-*.jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13 jar fetched"; }
  pom_hash >"$tmp/.fetched"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  exec 9>&-
  local jars=("$KAFKA_LIBS"/*.jar)
  log "fetched ${#jars[@]} jars into $KAFKA_LIBS"
}

cmd_version() {
  libs_ready || die "no Kafka jars in $KAFKA_LIBS: run '$0 fetch'"
  local jars=("$KAFKA_LIBS"/kafka_2.13-*.jar) name
  name="$(basename "${jars[0]}" .jar)"
  echo "${name#kafka_2.13-}"
}

# ---------------------------------------------------------------------------------------
# helpers for running nodes
# ---------------------------------------------------------------------------------------

free_ports() {
  # Prints COUNT distinct TCP ports that are free on 127.0.0.1 right now. They are drawn at
  # random from below the kernel's ephemeral range, so outgoing connections (which take
  # ephemeral ports) cannot grab one between this check and the broker's bind; if another
  # process does take one anyway, `start` sees the bind error and retries with new ports.
  python3 - "$1" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
lo, hi = (10000, low - 1) if low > 11000 else (1024, 65535)
ports = []
for _ in range(2000):
    p = random.randint(lo, hi)
    if p in ports:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    ports.append(p)
    if len(ports) == count:
        print(" ".join(map(str, ports)))
        sys.exit(0)
sys.exit("no free ports found on 127.0.0.1")
PY
}

new_cluster_id() {
  # A KRaft cluster id is a base64url-encoded random 16-byte UUID (22 characters). Like
  # Kafka's Uuid.randomUuid(), avoid a leading '-' that a command line would take for a flag.
  local id
  while :; do
    id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    [ "${id:0:1}" != "-" ] && { echo "$id"; return; }
  done
}

node_name() {
  # Maps a broker argument (1..N, or "controller") to the node's file prefix.
  case "$1" in
    controller) echo controller ;;
    ''|*[!0-9]*) die "bad broker index '$1' (expected 1..N or 'controller')" ;;
    *) echo "broker-$1" ;;
  esac
}

node_pid() {
  # Prints the pid of the node if it is running (and really is that node's JVM), else nothing.
  local dir="$1" node="$2" pid state
  [ -f "$dir/$node.pid" ] || return 0
  pid="$(cat "$dir/$node.pid")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [ "$state" != "Z" ] || return 0   # exited, not yet reaped by its new parent
  # Guard against a recycled pid: the command line must name this node's config file.
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *"$dir/$node/server.properties"* ]] || return 0
  echo "$pid"
}

launch_node() {
  # Starts one node's JVM in the background, appending to DIR/<node>.log. Prints the log's
  # size before the launch so that readiness is judged on this run's lines only.
  local dir="$1" node="$2" heap="$3" logf="$1/$2.log" offset=0
  [ -f "$logf" ] && offset="$(stat -c %s "$logf")"
  echo "===== $(date -u +%FT%TZ) kafka_cluster.sh starting $node =====" >>"$logf"
  # Java writes its own crash files (hs_err) into the current directory: keep them in DIR.
  local extra=()
  read -r -a extra <<<"$KAFKA_JVM_OPTS"
  # -XX:TieredStopAtLevel=1 (C1 JIT only): on 2 cores, four JVMs compiling with C2 at once
  # made a 3-broker start take 10-19 s instead of 7-8 s; C1 code is plenty fast for tests.
  (cd "$dir" && exec java -Xms64m -Xmx"$heap" -XX:+ExitOnOutOfMemoryError \
      -XX:TieredStopAtLevel=1 -Djava.awt.headless=true "${extra[@]+"${extra[@]}"}" \
      -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.test.loglevel=INFO \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/$node/server.properties" \
      </dev/null >>"$logf" 2>&1) &
  echo "$!" >"$dir/$node.pid"
  echo "$offset"
}

wait_nodes_ready() {
  # wait_nodes_ready DIR NODE:OFFSET...  Waits (bounded) until every node has logged
  # "Kafka Server started" after OFFSET. A KRaft broker logs it only after it has registered
  # with the controller and been unfenced, i.e. when it serves clients.
  local dir="$1"; shift
  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) pending=("$@") still item node offset
  while [ ${#pending[@]} -gt 0 ]; do
    still=()
    for item in "${pending[@]}"; do
      node="${item%%:*}"; offset="${item##*:}"
      # (grep -c reads to the end: with pipefail, grep -q could fail the pipeline by
      # closing it early on tail.)
      if [ "$(tail -c +"$((offset + 1))" "$dir/$node.log" | grep -c 'Kafka Server started')" -gt 0 ]; then
        continue
      fi
      if [ -z "$(node_pid "$dir" "$node")" ]; then
        log "$node exited during startup; last lines of $dir/$node.log:"
        tail -n 25 "$dir/$node.log" >&2
        return 1
      fi
      still+=("$item")
    done
    pending=("${still[@]+"${still[@]}"}")
    [ ${#pending[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "timed out after ${KAFKA_START_TIMEOUT}s waiting for: ${pending[*]%%:*}"
      for item in "${pending[@]}"; do tail -n 15 "$dir/${item%%:*}.log" >&2; done
      return 1
    fi
    sleep 0.3
  done
}

stop_nodes() {
  # stop_nodes DIR SIGNAL NODE...  Signals the running nodes, waits up to the stop timeout
  # for all of them to exit, then SIGKILLs what is left (a broker whose controller is gone
  # waits for its controlled shutdown forever). Removes their pid files.
  local dir="$1" sig="$2"; shift 2
  local node pid left=() deadline
  for node in "$@"; do
    pid="$(node_pid "$dir" "$node")"
    if [ -n "$pid" ]; then kill -"$sig" "$pid" 2>/dev/null || true; fi
  done
  deadline=$((SECONDS + KAFKA_STOP_TIMEOUT))
  while :; do
    left=()
    for node in "$@"; do [ -z "$(node_pid "$dir" "$node")" ] || left+=("$node"); done
    [ ${#left[@]} -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ "$sig" = KILL ] && die "${left[*]} still running 10 s after SIGKILL"
      log "${left[*]} did not exit within ${KAFKA_STOP_TIMEOUT}s of SIG$sig; sending SIGKILL"
      for node in "${left[@]}"; do kill -KILL "$(node_pid "$dir" "$node")" 2>/dev/null || true; done
      sig=KILL
      deadline=$((SECONDS + 10))
    fi
    sleep 0.2
  done
  for node in "$@"; do rm -f "$dir/$node.pid"; done
}

broker_nodes() { local i; for ((i = 1; i <= $1; i++)); do echo "broker-$i"; done; }

brokers_of() {
  # Prints the broker node names of the cluster in DIR (from its saved size).
  [ -f "$1/cluster.env" ] || die "$1 holds no cluster (no cluster.env)"
  broker_nodes "$(sed -n 's/^BROKERS=//p' "$1/cluster.env")"
}

remove_cluster_files() {
  # Removes what `start` creates in DIR (and nothing else that may be there).
  rm -rf "$1/controller" "$1"/controller.* "$1"/broker-* "$1/cluster.env" "$1/bootstrap" \
    "$1"/watchdog.*
}

start_watchdog() {
  # Stops the cluster in DIR once process OWNER has exited (polled every second). The
  # watchdog runs in its own session so that a signal to the owner's process group does
  # not take it along, and it writes its own pid (setsid may fork).
  local dir="$1" owner="$2"
  kill -0 "$owner" 2>/dev/null || die "KAFKA_OWNER_PID=$owner is not a running process"
  # shellcheck disable=SC2016  # expanded by the watchdog's own bash
  setsid bash -c '
    echo $$ >"$2/watchdog.pid"
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    echo "owner $1 exited; stopping the cluster"
    rm -f "$2/watchdog.pid"
    exec "$3" stop "$2"' kafka-watchdog "$owner" "$dir" "$SCRIPT_DIR/kafka_cluster.sh" \
    </dev/null >>"$dir/watchdog.log" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do [ -s "$dir/watchdog.pid" ] && return 0; sleep 0.1; done
  die "the watchdog did not start"
}

stop_watchdog() {
  local dir="$1" pid cmdline
  [ -f "$dir/watchdog.pid" ] || return 0
  pid="$(cat "$dir/watchdog.pid")"
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  # Only if that pid still is this cluster's watchdog.
  if [[ "$cmdline" == *kafka-watchdog*"$dir"* ]]; then kill "$pid" 2>/dev/null || true; fi
  rm -f "$dir/watchdog.pid"
}

# ---------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------

write_configs() {
  # write_configs DIR N CONTROLLER_PORT BROKER_PORT...
  local dir="$1" n="$2" cport="$3"; shift 3
  local bports=("$@") rf minisr i bootstrap=""
  if [ "$n" -eq 3 ]; then rf=3; minisr=2; else rf=1; minisr=1; fi

  # Settings for every node (the controller ignores the ones only brokers use).
  local common
  common="$(cat <<EOF
controller.quorum.voters=0@127.0.0.1:$cport
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
# A small machine: few threads per node.
num.network.threads=2
num.io.threads=2
background.threads=4
# Replication defaults: with 3 brokers every topic and internal topic is replicated 3 times
# and a write with acks=all needs 2 in-sync replicas; with 1 broker, 1 and 1.
# The controller needs them too: in KRaft it applies default.replication.factor to new
# topics, and it records its min.insync.replicas as the cluster-wide default.
default.replication.factor=$rf
min.insync.replicas=$minisr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$minisr
# Tests create their topics explicitly (create-topic), so a typo fails instead of silently
# creating a topic with other settings.
auto.create.topics.enable=false
unclean.leader.election.enable=false
# The controller fences a broker whose heartbeats stop (SIGKILL) after 6 s instead of 9 s,
# and only then moves its leaderships. It is also why a broker restarted right after a
# clean stop waits up to that long: the controller refuses a second registration of the
# same node id while the old session lasts (DUPLICATE_BROKER_REGISTRATION).
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
group.initial.rebalance.delay.ms=0
num.replica.fetchers=1
EOF
)"

  mkdir -p "$dir/controller/data"
  cat >"$dir/controller/server.properties" <<EOF
# KRaft controller of the trackd test cluster (generated by kafka_cluster.sh).
process.roles=controller
node.id=0
listeners=CONTROLLER://127.0.0.1:$cport
log.dirs=$dir/controller/data
$common
EOF

  for ((i = 1; i <= n; i++)); do
    local port="${bports[$((i - 1))]}"
    mkdir -p "$dir/broker-$i/data"
    cat >"$dir/broker-$i/server.properties" <<EOF
# Broker $i of the trackd test cluster (generated by kafka_cluster.sh).
process.roles=broker
node.id=$i
listeners=PLAINTEXT://127.0.0.1:$port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/broker-$i/data
$common
EOF
    bootstrap+="${bootstrap:+,}127.0.0.1:$port"
  done
  echo "$bootstrap" >"$dir/bootstrap"
  printf 'BROKERS=%s\nCONTROLLER_PORT=%s\nBROKER_PORTS=%s\n' "$n" "$cport" "${bports[*]}" \
    >"$dir/cluster.env"
}

format_storage() {
  # Formats every node's log directory with one new cluster id (in parallel: each is a JVM).
  local dir="$1" n="$2" id node pids=() i rc=0
  id="$(new_cluster_id)"
  echo "CLUSTER_ID=$id" >>"$dir/cluster.env"
  for node in controller $(broker_nodes "$n"); do
    timeout 60 java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.test.loglevel=ERROR \
      -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
      -t "$id" -c "$dir/$node/server.properties" >"$dir/$node.format.log" 2>&1 &
    pids+=("$!")
  done
  for i in "${pids[@]}"; do wait "$i" || rc=1; done
  if [ "$rc" -ne 0 ]; then
    for node in "$dir"/*.format.log; do cat "$node" >&2; done
    return 1
  fi
}

start_attempt() {
  # Called as `if start_attempt`, where set -e does not apply: check every step.
  local dir="$1" n="$2" ports=() offsets=() offset i list
  list="$(free_ports $((n + 1)))" || return 1
  read -r -a ports <<<"$list"
  [ ${#ports[@]} -eq $((n + 1)) ] || return 1
  write_configs "$dir" "$n" "${ports[@]}" || return 1
  format_storage "$dir" "$n" || return 1
  # All nodes start at once: brokers retry until the controller answers.
  offset="$(launch_node "$dir" controller "$KAFKA_CONTROLLER_HEAP")" || return 1
  offsets+=("controller:$offset")
  for ((i = 1; i <= n; i++)); do
    offset="$(launch_node "$dir" "broker-$i" "$KAFKA_BROKER_HEAP")" || return 1
    offsets+=("broker-$i:$offset")
  done
  wait_nodes_ready "$dir" "${offsets[@]}"
}

cmd_start() {
  [ $# -eq 2 ] || die "usage: start DIR N"
  local dir n attempt node
  mkdir -p "$1"; dir="$(cd "$1" && pwd)"; n="$2"
  [ "$n" = 1 ] || [ "$n" = 3 ] || die "N must be 1 or 3, not '$n'"
  for node in controller broker-1 broker-2 broker-3; do
    [ -z "$(node_pid "$dir" "$node")" ] || die "a cluster is already running in $dir"
  done
  cmd_fetch
  local t0=$SECONDS
  for attempt in 1 2 3; do
    # A previous (stopped) cluster in DIR is replaced: new ports, new storage, new id.
    remove_cluster_files "$dir"
    if start_attempt "$dir" "$n"; then
      [ -z "$KAFKA_OWNER_PID" ] || start_watchdog "$dir" "$KAFKA_OWNER_PID"
      log "cluster of $n broker(s) serving in $((SECONDS - t0))s; bootstrap $(cat "$dir/bootstrap")"
      return 0
    fi
    # Leave nothing running after a failed attempt.
    local nodes; mapfile -t nodes < <(broker_nodes "$n")
    stop_nodes "$dir" KILL controller "${nodes[@]}"
    if grep -qs 'Address already in use' "$dir"/*.log && [ "$attempt" -lt 3 ]; then
      log "a port was taken meanwhile; retrying with new ports"
      continue
    fi
    die "cluster did not start (logs in $dir)"
  done
}

# ---------------------------------------------------------------------------------------
# topics and single nodes
# ---------------------------------------------------------------------------------------

topic_command() {
  local dir="$1"; shift
  [ -f "$dir/bootstrap" ] || die "$dir holds no cluster (no bootstrap file)"
  timeout 60 java "${TOOL_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.test.loglevel=ERROR \
    -cp "$KAFKA_LIBS/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$(cat "$dir/bootstrap")" "$@"
}

cmd_create_topic() {
  [ $# -ge 4 ] || die "usage: create-topic DIR NAME PARTITIONS RF [--config k=v ...]"
  local dir="$1" name="$2" partitions="$3" rf="$4"; shift 4
  topic_command "$dir" --create --topic "$name" --partitions "$partitions" \
    --replication-factor "$rf" "$@"
}

cmd_describe_topic() {
  [ $# -eq 2 ] || die "usage: describe-topic DIR NAME"
  topic_command "$1" --describe --topic "$2"
}

abs_dir() { [ -d "$1" ] || die "no such directory: $1"; (cd "$1" && pwd); }

cmd_stop_broker() {
  [ $# -eq 2 ] || die "usage: stop-broker DIR I"
  local dir node; dir="$(abs_dir "$1")"; node="$(node_name "$2")"
  [ -n "$(node_pid "$dir" "$node")" ] || log "$node is not running"
  stop_nodes "$dir" TERM "$node"
}

cmd_kill_broker() {
  [ $# -eq 2 ] || die "usage: kill-broker DIR I"
  local dir node; dir="$(abs_dir "$1")"; node="$(node_name "$2")"
  [ -n "$(node_pid "$dir" "$node")" ] || log "$node is not running"
  stop_nodes "$dir" KILL "$node"
}

cmd_start_broker() {
  [ $# -eq 2 ] || die "usage: start-broker DIR I"
  local dir node heap offset; dir="$(abs_dir "$1")"; node="$(node_name "$2")"
  [ -f "$dir/$node/server.properties" ] || die "no $node in $dir"
  [ -z "$(node_pid "$dir" "$node")" ] || die "$node is already running"
  cmd_fetch
  heap="$KAFKA_BROKER_HEAP"; [ "$node" = controller ] && heap="$KAFKA_CONTROLLER_HEAP"
  offset="$(launch_node "$dir" "$node" "$heap")"
  if ! wait_nodes_ready "$dir" "$node:$offset"; then
    stop_nodes "$dir" KILL "$node"
    die "$node did not start (log $dir/$node.log)"
  fi
  log "$node serving"
}

cmd_stop() {
  [ $# -eq 1 ] || die "usage: stop DIR"
  local dir; dir="$(abs_dir "$1")"
  [ -f "$dir/cluster.env" ] || { log "no cluster in $dir"; return 0; }
  stop_watchdog "$dir"
  # Brokers first, while the controller can still take their controlled shutdown.
  local brokers; mapfile -t brokers < <(brokers_of "$dir")
  stop_nodes "$dir" TERM "${brokers[@]}"
  stop_nodes "$dir" TERM controller
}

main() {
  [ $# -ge 1 ] || { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
  local sub="$1"; shift
  case "$sub" in
    fetch) [ $# -eq 0 ] || die "usage: fetch"; cmd_fetch ;;
    version) cmd_version ;;
    start) cmd_start "$@" ;;
    create-topic) cmd_create_topic "$@" ;;
    describe-topic) cmd_describe_topic "$@" ;;
    stop-broker) cmd_stop_broker "$@" ;;
    kill-broker) cmd_kill_broker "$@" ;;
    start-broker) cmd_start_broker "$@" ;;
    stop) cmd_stop "$@" ;;
    *) die "unknown subcommand '$sub' (fetch|version|start|create-topic|describe-topic|stop-broker|kill-broker|start-broker|stop)" ;;
  esac
}

main "$@"
