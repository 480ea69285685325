# Sourced by the deploy checks (check_chart.sh, check_alerts.sh, check_dashboard.sh,
# prometheus_scrape_test.sh), after they set $here (this folder) and $root (the repository).

# parse_binaries "$@": sets $trackd and $trackctl from --trackd PATH and --trackctl PATH, by
# default the build's (build/server/trackd, build/tools/trackctl/trackctl).
parse_binaries() {
  trackd=$root/build/server/trackd
  trackctl=$root/build/tools/trackctl/trackctl
  while [ $# -gt 0 ]; do
    case $1 in
      --trackd) trackd=$2; shift 2 ;;
      --trackctl) trackctl=$2; shift 2 ;;
      *) echo "usage: $0 [--trackd PATH] [--trackctl PATH]" >&2; exit 2 ;;
    esac
  done
}

# deploy_venv: sets $py to the Python of build/tools/venv, which holds the pinned packages of
# requirements.txt (PyYAML, kubernetes-validate), made anew when that file changes.
deploy_venv() {
  local venv=$root/build/tools/venv
  local stamp=$venv/.requirements.sha256
  local want
  want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
  if ! [ -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing $(grep -c '==' "$here/requirements.txt") pinned Python packages into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt"
    echo "$want" > "$stamp"
  fi
  py=$venv/bin/python
}

# The Python checkers import each other's helpers (checker.py); no bytecode in the source tree.
export PYTHONDONTWRITEBYTECODE=1

# pass/fail TEXT: one PASS or FAIL line each, counted in $passed and $failed.
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# expect_refusal NAME EXPECTED LOG COMMAND...: the proof that a check bites. COMMAND, its output
# in LOG, must fail, and say EXPECTED (fixed text); PASS shows the line that says it.
expect_refusal() {
  local name=$1 expected=$2 log=$3
  shift 3
  if "$@" > "$log" 2>&1; then
    fail "$name: accepted"
  elif grep -qF -- "$expected" "$log"; then
    pass "$name: $(grep -F -- "$expected" "$log" | head -n 1 | cut -c1-150)"
  else
    cat "$log"
    fail "$name: output lacks '$expected'"
  fi
}
