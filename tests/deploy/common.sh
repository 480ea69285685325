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
