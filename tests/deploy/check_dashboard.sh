#!/usr/bin/env bash
# Checks of the Grafana dashboard deploy/grafana/trackd-dashboard.json (issue 14), run by ctest
# as deploy_dashboard (the checks themselves are in check_dashboard.py, standard library only):
#   1. structure: the JSON parses; every panel has a title, a description, the datasource
#      ${datasource}, a gridPos and a unique id, and targets with an expr; every selector
#      carries {job=~"$job", instance=~"$instance"}, every range is [$__rate_interval];
#   2. promql: every expr, Grafana's variables substituted, as a recording rule of a generated
#      rules file, through `promtool check rules` (Debian's 2.42.0, scripts/install_prometheus.sh);
#   3. metrics: every metric name the exprs use is in the /metrics of the real trackd, started
#      on loopback with the HTTP sink and a tokens file, then with the default file sink;
#   4. docs: the table in docs/operations.md, "The dashboard", lists every panel in order with
#      the metrics its exprs use;
#   5. data: every expr returns data from series shaped like trackd's (its names, labels and
#      label values, after calls made with trackctl): each becomes an alert on absent(expr)
#      that `promtool test rules` must see stay silent;
#   6. proof that the checks fail: copies of the dashboard broken one way each must fail the
#      step that should catch them, with the expected message, and pass the others.
# Run by hand from the repository root with no arguments, it uses build/server/trackd.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/deploy/common.sh
source "$here/common.sh"
dashboard=$root/deploy/grafana/trackd-dashboard.json
out=$root/build/deploy-dashboard-check
parse_binaries "$@"

promtool=$(bash "$root/scripts/install_prometheus.sh")/promtool
check=(python3 "$here/check_dashboard.py")
rm -rf "$out"
mkdir -p "$out"
echo "promtool: $("$promtool" --version 2>&1 | head -n 1)"


# ---------------------------------------------------------------- trackd's metrics
if ! [ -x "$trackd" ] || ! [ -x "$trackctl" ]; then
  fail "no trackd at $trackd or no trackctl at $trackctl (build them: scripts/build.sh, or pass --trackd/--trackctl)"
  echo
  echo "deploy dashboard checks: $passed passed, $failed failed"
  exit 1
fi
echo "trackd: $trackd, trackctl: $trackctl"
if "${check[@]}" metrics --trackd "$trackd" --trackctl "$trackctl" --work "$out/trackd" --out "$out/metrics.txt" \
     > "$out/metrics.log" 2>&1; then
  sed 's/^/     /' "$out/metrics.log"
  pass "trackd's /metrics read in both configurations ($(cut -d' ' -f1 "$out/metrics.txt" | sort -u | wc -l) families)"
else
  cat "$out/metrics.log"
  fail "trackd's /metrics"
  echo
  echo "deploy dashboard checks: $passed passed, $failed failed"
  exit 1
fi

# ---------------------------------------------------------------- the dashboard
if "${check[@]}" check --dashboard "$dashboard" --promtool "$promtool" --metrics "$out/metrics.txt" \
     --work "$out/dashboard" --docs "$root/docs/operations.md" > "$out/dashboard.log" 2>&1; then
  grep -E '^(PASS|FAIL|     )' "$out/dashboard.log" | sed 's/^\(PASS\|FAIL\) /&dashboard /'
  passed=$((passed + $(grep -c '^PASS' "$out/dashboard.log")))
else
  cat "$out/dashboard.log"
  fail "dashboard $(basename "$dashboard")"
fi

# ---------------------------------------------------------------- the checks must fail
# caught KIND STEP "expected message" [ALSO]: a copy broken as KIND fails STEP with the message,
# and no other step but ALSO, so each step is shown to catch what it is for.
caught() {
  local kind=$1 step=$2 expected=$3 also=${4:-$2} rc=0 copy=$out/broken-$1.json log=$out/broken-$1.log
  if ! "${check[@]}" break "$kind" --dashboard "$dashboard" --out "$copy"; then
    fail "caught $kind: could not break the dashboard this way"
    return
  fi
  "${check[@]}" check --dashboard "$copy" --promtool "$promtool" --metrics "$out/metrics.txt" \
    --work "$out/broken-$kind" --docs "$root/docs/operations.md" > "$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    cat "$log"
    fail "caught $kind: the checks passed a broken dashboard"
  elif ! grep -A3 "^FAIL $step: " "$log" | grep -qF -- "$expected"; then
    cat "$log"
    fail "caught $kind: no 'FAIL $step' with '$expected'"
  elif grep '^FAIL ' "$log" | grep -Eqv "^FAIL ($step|$also): "; then
    cat "$log"
    fail "caught $kind: failed other steps than $step${4:+ and $also}"
  else
    pass "caught $kind by $step: $(grep -A3 "^FAIL $step: " "$log" | grep -F -- "$expected" | head -n 1 \
      | sed "s/^FAIL $step: //" | awk -v e="$expected" '{i = index($0, e); print substr($0, i > 80 ? i - 80 : 1, 160)}')"
  fi
}
caught unbalanced-paren promql "unclosed left parenthesis"
# (The docs' table names the metric the copy replaced, and the expr returns no data: those
# steps fail too.)
caught unknown-metric metrics "trackd_no_such_metric_total is not in trackd's /metrics" "docs|data"
caught no-description structure "no description"
caught no-expr structure "no target with an expr" docs
caught duplicate-id structure "is also panel"
caught fixed-datasource structure "is not \${datasource}"
caught no-job-matcher structure "lacks job=~\"\$job\""
caught fixed-range structure "range [5m] is not [\$__rate_interval]"
caught overlap structure "gridPos overlaps"
caught label-value data "returns no data from trackd's series"
caught renamed-panel docs "the table has 'Calls per second' where the dashboard has 'Calls, renamed'"

echo
echo "deploy dashboard checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
