#!/usr/bin/env bash
# trackd's alerting rules (issue 14), run by ctest as deploy_alerts, or by hand from the
# repository root:
#   1. promtool check rules deploy/prometheus/trackd-alerts.yaml (Debian's Prometheus 2.42.0,
#      put into build/tools/prometheus by scripts/install_prometheus.sh);
#   2. promtool test rules tests/deploy/prometheus/trackd-alerts.test.yaml: each alert firing,
#      with its exact labels and annotations, and not firing (healthy and near-miss input);
#   3. check_alerts.py (PyYAML, in the venv of check_chart.sh): names, severities, annotations,
#      each runbook_url's section in docs/operations.md, every alert tested firing and not,
#      every metric of the rules in the Metrics table;
#   4. proof that the checks fail: copies of the rules with one threshold, `for`, severity or
#      expression changed must fail the unit tests, and copies of the rules, tests and docs
#      with one annotation, runbook, metric or test case broken must fail check_alerts.py,
#      each with the expected message.
# Takes a few seconds once the tools are installed; nothing here needs the network then.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/deploy/common.sh
source "$here/common.sh"
rules=$root/deploy/prometheus/trackd-alerts.yaml
tests=$here/prometheus/trackd-alerts.test.yaml
docs=$root/docs/operations.md
out=$root/build/alerts-check
if [ $# -gt 0 ]; then echo "usage: $0" >&2; exit 2; fi

# ---------------------------------------------------------------- tools
promdir=$(bash "$root/scripts/install_prometheus.sh")
promtool=$promdir/promtool
deploy_venv
rm -rf "$out"
mkdir -p "$out"
echo "promtool: $("$promtool" --version 2>&1 | head -n 1), PyYAML: $("$py" -c 'import yaml; print(yaml.__version__)')"


# ---------------------------------------------------------------- the checks
if "$promtool" check rules "$rules" > "$out/check.log" 2>&1; then
  pass "promtool check rules: $(grep -o 'SUCCESS.*' "$out/check.log")"
else
  cat "$out/check.log"
  fail "promtool check rules $rules"
fi
# promtool resolves rule_files relative to the test file; run from the root for short names.
if (cd "$root" && "$promtool" test rules "${tests#"$root"/}") > "$out/test.log" 2>&1; then
  pass "promtool test rules: $(grep -c '^  - name:' "$tests") tests, $(grep -c 'eval_time:' "$tests") evaluations: SUCCESS"
else
  cat "$out/test.log"
  fail "promtool test rules $tests"
fi
if "$py" "$here/check_alerts.py" --rules "$rules" --tests "$tests" --docs "$docs" > "$out/checker.log" 2>&1; then
  pass "$(tail -n 1 "$out/checker.log")"
else
  cat "$out/checker.log"
  fail "check_alerts.py"
fi

# ---------------------------------------------------------------- the checks must fail
# A copy of the rules, their tests and the docs under $out/<name>/, in the tree's layout, so
# the copied tests read the copied rules and the docs' links resolve.
copy() {  # copy NAME: prints the copy's root
  local dir=$out/$1
  mkdir -p "$dir/deploy/prometheus" "$dir/tests/deploy/prometheus" "$dir/docs"
  cp "$rules" "$dir/deploy/prometheus/"
  cp "$tests" "$dir/tests/deploy/prometheus/"
  cp "$root"/docs/*.md "$dir/docs/"
  echo "$dir"
}
# Replaces the one occurrence of OLD in FILE by NEW (a literal, possibly several lines);
# fails when OLD is not there exactly once, so no mutation silently does nothing.
mutate() {  # mutate FILE OLD NEW
  python3 - "$@" <<'EOF'
import sys
path, old, new = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
if text.count(old) != 1:
    sys.exit(f"mutate: {old!r} occurs {text.count(old)} times in {path}")
open(path, "w", encoding="utf-8").write(text.replace(old, new))
EOF
}

# The unchanged copy passes both, so each failure below is the mutation's alone.
control=$(copy control)
if (cd "$control" && "$promtool" test rules tests/deploy/prometheus/trackd-alerts.test.yaml) \
     > "$out/control-test.log" 2>&1 \
   && "$py" "$here/check_alerts.py" --rules "$control/deploy/prometheus/trackd-alerts.yaml" \
        --tests "$control/tests/deploy/prometheus/trackd-alerts.test.yaml" \
        --docs "$control/docs/operations.md" > "$out/control-checker.log" 2>&1; then
  pass "an unchanged copy passes promtool test rules and check_alerts.py"
else
  cat "$out/control-test.log" "$out/control-checker.log" 2>/dev/null
  fail "an unchanged copy fails: the broken copies below prove nothing"
fi

# promtool test rules must fail on a changed rule, naming the alert and the time it expected.
# broken_rule NAME EXPECTED OLD NEW
broken_rule() {
  local name=$1 expected=$2 dir
  dir=$(copy "rule-$name")
  if ! mutate "$dir/deploy/prometheus/trackd-alerts.yaml" "$3" "$4" 2> "$out/rule-$name.log"; then
    cat "$out/rule-$name.log"
    fail "caught $name: the mutation did not apply"
    return
  fi
  # promtool reads the test file's rule_files relative to that file: the copy's rules.
  expect_refusal "caught $name (promtool test rules)" "$expected" "$out/rule-$name.log" \
    "$promtool" test rules "$dir/tests/deploy/prometheus/trackd-alerts.test.yaml"
}
broken_rule fsync-threshold "alertname: TrackdFsyncSlow, time: 15m" \
  'trackd_fsync_duration_seconds_bucket[5m])) > 0.025' \
  'trackd_fsync_duration_seconds_bucket[5m])) > 0.05'
broken_rule queue-threshold-inclusive "alertname: TrackdWriteQueueNearlyFull, time: 5m" \
  'trackd_queue_depth / (trackd_queue_capacity > 0) > 0.8' \
  'trackd_queue_depth / (trackd_queue_capacity > 0) >= 0.8'
broken_rule upstream-for-shorter "alertname: TrackdUpstreamDown, time: 14m" \
  $'expr: trackd_upstream_healthy == 0\n        for: 15m' \
  $'expr: trackd_upstream_healthy == 0\n        for: 10m'
broken_rule tokens-severity "alertname: TrackdTokensFileUnusable, time: 3m" \
  $'expr: trackd_auth_tokens_file_usable == 0\n        for: 1m\n        labels:\n          severity: critical' \
  $'expr: trackd_auth_tokens_file_usable == 0\n        for: 1m\n        labels:\n          severity: warning'
# Without `unless`, a replica that never answered OK has no OK series to compare with.
broken_rule no-ok-series-ignored "alertname: TrackdNoSuccessfulCalls, time: 11m" \
  $'unless\n          sum without (method, code, client) (rate(trackd_requests_total{method=~"Track|TrackBatch",code="OK"}[5m])) > 0' \
  $'and\n          sum without (method, code, client) (rate(trackd_requests_total{method=~"Track|TrackBatch",code="OK"}[5m])) == 0'
# Without the `or` branch, a replica that never rate limited anyone never fires.
broken_rule exhausted-without-or "alertname: TrackdResourceExhausted, time: 6m" \
  $'            - sum without (client) (rate(trackd_rate_limited_total[5m]))\n            or\n              sum without (method, code, client) (rate(trackd_requests_total{code="RESOURCE_EXHAUSTED"}[5m]))\n' \
  $'            - sum without (client) (rate(trackd_rate_limited_total[5m]))\n'
broken_rule annotation-text "alertname: TrackdDeadLetters, time: 3m" \
  'in the last 15 minutes and written to the dead-letter' \
  'in the last 15 minutes and written to the dead letter'

# check_alerts.py must fail on a broken copy, with the expected message.
# broken_file NAME FILE(relative to the copy) EXPECTED OLD NEW
broken_file() {
  local name=$1 file=$2 expected=$3 dir
  dir=$(copy "file-$name")
  if ! mutate "$dir/$file" "$4" "$5" 2> "$out/file-$name.log"; then
    cat "$out/file-$name.log"
    fail "caught $name: the mutation did not apply"
    return
  fi
  expect_refusal "caught $name (check_alerts.py)" "$expected" "$out/file-$name.log" \
    "$py" "$here/check_alerts.py" --rules "$dir/deploy/prometheus/trackd-alerts.yaml" \
    --tests "$dir/tests/deploy/prometheus/trackd-alerts.test.yaml" --docs "$dir/docs/operations.md"
}
rules_copy=deploy/prometheus/trackd-alerts.yaml
tests_copy=tests/deploy/prometheus/trackd-alerts.test.yaml
broken_file no-description "$rules_copy" "TrackdDeadLetters: no description annotation" \
  $'        annotations:\n          summary: "trackd {{ $labels.instance }}: the upstream refused events for good (dead letters)"\n          description: >-\n            About {{ $value | humanize }} events of {{ $labels.instance }} were refused by the\n            upstream with a permanent error in the last 15 minutes and written to the dead-letter\n            file. They reach no consumer until they are re-sent.\n' \
  $'        annotations:\n          summary: "trackd {{ $labels.instance }}: the upstream refused events for good (dead letters)"\n'
broken_file bad-severity "$rules_copy" "TrackdStoreFailed: severity 'page'" \
  $'expr: trackd_store_failed == 1\n        labels:\n          severity: critical' \
  $'expr: trackd_store_failed == 1\n        labels:\n          severity: page'
broken_file runbook-url "$rules_copy" "TrackdFsyncSlow: runbook_url is 'docs/operations.md#fsync'" \
  'runbook_url: docs/operations.md#trackdfsyncslow' 'runbook_url: docs/operations.md#fsync'
broken_file undocumented-metric "$rules_copy" \
  "TrackdWriteQueueNearlyFull: metric trackd_queue_length is not in the Metrics table" \
  'expr: trackd_queue_depth / (trackd_queue_capacity > 0) > 0.8' \
  'expr: trackd_queue_length / (trackd_queue_capacity > 0) > 0.8'
broken_file helm-templating "$rules_copy" "Helm templating" \
  'summary: "trackd {{ $labels.instance }}: the event log stopped' \
  'summary: "{{ .Values.prefix }} {{ $labels.instance }}: the event log stopped'
broken_file no-runbook-section docs/operations.md \
  "TrackdUpstreamDown: no \`### TrackdUpstreamDown\` runbook section" \
  '### TrackdUpstreamDown' '### Upstream down'
broken_file table-severity docs/operations.md \
  "TrackdDeadLetters: the table of '## Alerts and runbooks' gives severity 'critical'" \
  '| `TrackdDeadLetters` | warning |' '| `TrackdDeadLetters` | critical |'
broken_file dead-link docs/operations.md "the link forwarding.md#re-sending-dead-letter in" \
  '(forwarding.md#re-sending-dead-letters)' '(forwarding.md#re-sending-dead-letter)'
broken_file no-silent-case "$tests_copy" \
  "TrackdTokensFileUnusable: no unit test where it does not fire" \
  $'      - eval_time: 2m\n        alertname: TrackdTokensFileUnusable\n        exp_alerts: []\n' ''

echo
echo "deploy alerts checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
