#!/usr/bin/env bash
# Fails, naming each offender, when the tree breaks a structural rule of the layout:
#   1. no C++ file under client/, common/ or include/ includes "server/..." (the client
#      package is built from them alone; what client and server share lives in common/);
#   2. no function outside tests/ is over 80 lines (lizard's length, comments included).
# Files: our .h/.cc files, less generated code and build trees (scripts/list_cxx_files.sh).
# Run by ctest as check_structure (label unit).
# lizard comes from PyPI, pinned in scripts/lizard/requirements.txt, in the venv
# build/tools/lizard-venv (installed on first run, again when the pins change).
set -euo pipefail
cd "$(dirname "$0")/.."
max_function_lines=80

install_lizard() {
  local req=scripts/lizard/requirements.txt venv=build/tools/lizard-venv want
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if ! [ -x "$venv/bin/lizard" ] \
     || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    # Debian's own python3 needs python3-venv for `python3 -m venv`.
    python3 -c 'import ensurepip, venv' 2>/dev/null || bash scripts/apt_install.sh python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$req" >&2
    echo "$want" > "$venv/.requirements.sha256"
  fi
  echo "$venv/bin/lizard"
}

status=0
mapfile -t client_files < <(bash scripts/list_cxx_files.sh client common include)
server_include='^[[:space:]]*#[[:space:]]*include[[:space:]]*"server/'
if [ ${#client_files[@]} -gt 0 ] \
   && includes=$(grep -Hn "$server_include" "${client_files[@]}"); then
  echo "client/, common/ and include/ must not include server/ (shared code belongs in common/):" >&2
  printf '  %s\n' "${includes//$'\n'/$'\n'  }" >&2
  status=1
fi

lizard=$(install_lizard)
mapfile -t code_files < <(bash scripts/list_cxx_files.sh \
  server client common include tools bench fuzz sanitizers)
if ! long=$("$lizard" -l cpp -L "$max_function_lines" -C 10000 -w "${code_files[@]}"); then
  echo "functions over $max_function_lines lines outside tests/ (split them):" >&2
  printf '  %s\n' "${long//$'\n'/$'\n'  }" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "structure ok: client/, common/ and include/ include no server/ header," \
  "no function outside tests/ over $max_function_lines lines"
exit "$status"
