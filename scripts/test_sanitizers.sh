#!/usr/bin/env bash
# Runs the tests under sanitizers, each build in its own directory:
#   build-asan  -DTRACKD_SANITIZE=address,undefined: the unit and integration
#               tests (the Kafka tests, which need a broker, and the other
#               languages' interop tests are left to scripts/test.sh), and the
#               fuzz targets' corpus and regression replays;
#   build-tsan  -DTRACKD_SANITIZE=thread: the pipeline, event log, HTTP
#               forwarder and server tests (see sanitizers/README.md for what
#               TSan can and cannot see with Debian's gRPC).
# Usage: scripts/test_sanitizers.sh [asan|tsan|all]   (default all)
# Only the needed targets are built, at -O1: fast enough to build on two cores,
# and sanitizer reports keep useful stacks.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
bash scripts/install_deps.sh

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
supp="$PWD/sanitizers"

configure() {  # dir sanitizers
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DTRACKD_SANITIZE="$2" \
    -DTRACKD_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
}

timed() {  # label command...; returns the command's status
  local start=$SECONDS status=0
  "${@:2}" || status=$?
  echo "== $1: $((SECONDS - start)) s"
  return "$status"
}

# ctest entries that are not ours to sanitize, or not built here (the source checks
# check_format and check_structure run in the normal build). The consumer tests and the
# language conformance runners exercise the client packages, not trackd's memory: they run
# in the normal build (consumer_cpp_install would link this tree's instrumented libraries
# into a project built without the sanitizers, which cannot link).
not_here='_NOT_BUILT|^buf_|^interop_|^deploy_|^Kafka|^check_|^consumer_|^conformance_'

# Reports go to files, so those of the trackd processes that process tests
# start (whose output the tests keep in temporary directories) are seen too.
# Prints every report and fails if there is any.
check_reports() {  # dir
  if compgen -G "$1/report.*" >/dev/null; then
    cat "$1"/report.*
    echo "sanitizer reports above ($1)"
    return 1
  fi
}

if [ "$which" = all ] || [ "$which" = asan ]; then
  configure build-asan address,undefined
  timed "asan build" cmake --build build-asan -j2 --target trackd trackctl \
    validate_test json_encoder_test json_decoder_test event_log_test dedupe_index_test \
    pipeline_test server_test process_test event_input_test track_client_test trackctl_test \
    http_forwarding_test hardening_test wire_decode_test violation_list_test \
    rate_limiter_test authenticator_test logging_test hostile_input_test file_modes_test \
    crash_test request_fuzzer json_decoder_fuzzer event_log_recovery_fuzzer \
    siphash_test message_id_test utf8_test metrics_test scratch_message_test \
    config_test log_format_test tracker_test test_support_test forward_cursor_test \
    retry_after_test metrics_render_test token_file_test
  # detect_leaks: gRPC keeps some process-wide state until exit, see lsan.supp.
  reports="$PWD/build-asan/sanitizer-reports"
  rm -rf "$reports" && mkdir -p "$reports"
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:log_path=$reports/report"
  export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/report"
  status=0
  timed "asan tests" ctest --test-dir build-asan -j2 -LE faults -E "$not_here" \
    --output-on-failure --timeout 900 || status=$?
  unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS
  check_reports "$reports" || status=1
  [ "$status" -eq 0 ] || exit "$status"
fi

if [ "$which" = all ] || [ "$which" = tsan ]; then
  configure build-tsan thread
  timed "tsan build" cmake --build build-tsan -j2 --target trackd \
    pipeline_test event_log_test http_forwarding_test server_test tracker_test
  reports="$PWD/build-tsan/sanitizer-reports"
  rm -rf "$reports" && mkdir -p "$reports"
  export TSAN_OPTIONS="suppressions=$supp/tsan.supp:halt_on_error=1:second_deadlock_stack=1:history_size=4:log_path=$reports/report"
  status=0
  timed "tsan tests" ctest --test-dir build-tsan -j2 \
    -R '^(Pipeline|EventLog|HttpForwarding|SpoolForwarder|DeadLetterCrash|Server|ShutdownGrace|ForwarderBackoff|Tracker)' -E "$not_here" \
    --output-on-failure --timeout 900 || status=$?
  unset TSAN_OPTIONS
  check_reports "$reports" || status=1
  [ "$status" -eq 0 ] || exit "$status"
fi
