#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/) with clang as libFuzzer binaries under ASan
# and UBSan in build-fuzz/, then runs each for a bounded time.
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target...]
# Each run starts from the checked-in seeds (fuzz/corpus/<target>/) and the
# kept findings (fuzz/regressions/<target>/); inputs it finds interesting go to
# build-fuzz/corpus/<target>/ (not checked in). A crash or failed property is
# written to fuzz/regressions/<target>/: fix the bug, keep the file, and the
# replay test (ctest -L fuzz) runs it in every build from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(request_fuzzer json_decoder_fuzzer event_log_recovery_fuzzer)
fi
bash scripts/install_deps.sh

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
start=$SECONDS
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DTRACKD_SANITIZE=address,undefined -DTRACKD_FUZZ_ENGINE=libfuzzer \
  -DTRACKD_BUILD_TESTS=OFF -DTRACKD_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]}"
echo "== fuzz build: $((SECONDS - start)) s"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$PWD/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for target in "${targets[@]}"; do
  work="build-fuzz/corpus/$target"
  mkdir -p "$work"
  dict=()
  [ -f "fuzz/$target.dict" ] && dict=(-dict="fuzz/$target.dict")
  echo "== fuzzing $target for $seconds s"
  # -timeout: one input taking 10 s is a hang worth keeping.
  if ! "build-fuzz/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="fuzz/regressions/$target/" "${dict[@]}" \
      "$work" "fuzz/corpus/$target" "fuzz/regressions/$target" 2>"build-fuzz/$target.log"; then
    failed+=("$target")
    tail -n 60 "build-fuzz/$target.log"
  fi
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added)" \
    "build-fuzz/$target.log" | sort -u || true
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found failures in: ${failed[*]} (inputs under fuzz/regressions/)"
  exit 1
fi
echo "== fuzzing done: $((SECONDS - start)) s"
