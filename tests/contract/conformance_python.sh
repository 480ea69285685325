#!/usr/bin/env bash
# The conformance corpus (tests/contract/cases/) from the Python package trackd-client:
#   bash tests/contract/conformance_python.sh PATH/TO/trackd
# Installs the package into a fresh venv the way docs/clients.md says (from a copy of the
# repository as a clean clone has it), starts trackd on a free loopback port and runs
# client/python/tests/test_conformance.py, which sends every case as a dry run.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: conformance_python.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test conformance_python
started=$SECONDS

python3 -c 'import ensurepip, venv' 2>/dev/null \
  || bash "$ROOT/scripts/apt_install.sh" python3-venv
mkdir "$TMP/trackd"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard -- proto client/python \
  | (cd "$ROOT" && xargs -0 cp --parents -t "$TMP/trackd" 2>/dev/null || true)
python3 -m venv "$TMP/venv"
timeout 600 "$TMP/venv/bin/pip" install --quiet --disable-pip-version-check --progress-bar off \
  "$TMP/trackd/client/python" >"$TMP/pip.log" 2>&1 || { cat "$TMP/pip.log"; exit 1; }
echo "installed in $((SECONDS - started)) s"

start_trackd "$TRACKD"
ran=$SECONDS
(cd "$ROOT/client/python/tests" && TRACKD_TARGET="127.0.0.1:$PORT" \
  TRACKD_CORPUS="$ROOT/tests/contract/cases" timeout 300 "$TMP/venv/bin/python" -m unittest test_conformance)
echo "the corpus ran in $((SECONDS - ran)) s; conformance_python took $((SECONDS - started)) s"
