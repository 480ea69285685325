#!/usr/bin/env bash
# Consumer test of the Python package trackd-client, as another team's repository uses it:
#   bash tests/consumers/python.sh PATH/TO/trackd
# In a temporary directory outside this repository: a copy of the repository's files as a
# clean clone has them (no build/, nothing ignored), a fresh venv with
# `pip install COPY/client/python` (the command docs/clients.md gives), and a second venv with
# the wheel that scripts/package_python.sh builds, both made at once. Runs the package's unit
# tests, then the program of docs/clients.md from each venv against a live trackd: the seed
# event is accepted and stored, and the output (the bad event's violations as
# `field: description`) is exactly what the docs show.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: python.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test consumer_python
fail() { echo "consumer_python: $*" >&2; exit 1; }
started=$SECONDS

python3 -c 'import ensurepip, venv' 2>/dev/null \
  || bash "$ROOT/scripts/apt_install.sh" python3-venv

# What a clean clone holds: tracked files plus new ones not ignored, without build trees.
mkdir "$TMP/trackd"
git -C "$ROOT" ls-files -z --cached --others --exclude-standard -- proto client/python scripts \
  | (cd "$ROOT" && xargs -0 cp --parents -t "$TMP/trackd" 2>/dev/null || true)
[ -f "$TMP/trackd/client/python/pyproject.toml" ] || fail "could not copy the repository"

# pip_install VENV ARG: installs into VENV with a bound on the time pip may take.
pip_install() {
  timeout 600 "$1/bin/pip" install --quiet --disable-pip-version-check --progress-bar off "$2"
}
(
  python3 -m venv "$TMP/app/venv"
  cd "$TMP/app"
  pip_install venv "$TMP/trackd/client/python"
) >"$TMP/path_install.log" 2>&1 &
path_install=$!
(
  wheel=$(bash "$TMP/trackd/scripts/package_python.sh" | tail -n 1)
  echo "wheel: $wheel ($(stat -c %s "$wheel") bytes)"
  python3 -m venv "$TMP/wheel_app/venv"
  pip_install "$TMP/wheel_app/venv" "$wheel"
) >"$TMP/wheel_install.log" 2>&1 &
wheel_install=$!
wait "$path_install" || { cat "$TMP/path_install.log"; fail "pip install from the path failed"; }
wait "$wheel_install" || { cat "$TMP/wheel_install.log"; fail "building or installing the wheel failed"; }
grep '^wheel: ' "$TMP/wheel_install.log"
echo "installed in $((SECONDS - started)) s"

# The unit tests import the installed package (the tests directory alone is on sys.path).
(cd "$TMP/app" && TRACKD_REPO="$TMP/trackd" timeout 120 venv/bin/python -m unittest discover \
  -s "$ROOT/client/python/tests" -t "$ROOT/client/python/tests") \
  || fail "unit tests failed"

# The program and its output exactly as the Python section of docs/clients.md shows them.
python_section() { awk '/^## /{on = ($0 == "## Python")} on' "$ROOT/docs/clients.md"; }
fenced() { awk -v open="$1" '$0 == "```" && on {exit} on; $0 == open {on = 1}'; }
python_section | fenced '```python' >"$TMP/app/send_events.py"
python_section | sed -n '/^It prints:$/,$p' | fenced '```' >"$TMP/expected.out"
[ -s "$TMP/app/send_events.py" ] && [ -s "$TMP/expected.out" ] \
  || fail "no program or output in the Python section of docs/clients.md"

start_trackd "$TRACKD"
for app in app wheel_app; do
  rc=0
  (cd "$TMP/$app" && timeout 60 venv/bin/python "$TMP/app/send_events.py" "127.0.0.1:$PORT") \
    >"$TMP/$app.out" 2>&1 || rc=$?
  echo "--- $app"; cat "$TMP/$app.out"
  [ "$rc" -eq 0 ] || fail "$app: program exited $rc"
  diff -u "$TMP/expected.out" "$TMP/$app.out" || fail "$app: output differs from docs/clients.md"
done
check_seed_stored
echo "consumer_python took $((SECONDS - started)) s"
