#!/usr/bin/env bash
# Consumer test of the Python package trackd-client, as another team's repository uses it:
#   bash tests/consumers/python.sh PATH/TO/trackd
# In a temporary directory outside this repository: a copy of the repository's files as a
# clean clone has them (no build/, nothing ignored), a fresh venv with
# `pip install COPY/client/python` (the command docs/clients.md gives), and a second venv with
# the wheel that scripts/package_python.sh builds, both made at once. Runs the package's unit
# tests, then the ten-line program of docs/clients.md from each venv against a live trackd:
# the seed event is accepted and stored, the bad event's violations are printed as
# `field: description`.
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

# The ten-line program of docs/clients.md.
cat >"$TMP/app/send_events.py" <<'PY'
import sys
from datetime import datetime, timezone
from trackd_client import TrackClient, TrackError

client = TrackClient(sys.argv[1])  # e.g. "127.0.0.1:50051"
client.track_account_added_user(
    user_id="766b3aef-5904-46fe-af05-a293fee8h345", group_id="47464e5b-4727-11ee-aeb6-fefbf8354ds3",
    user_role="Developer", user_name="Mark Wood", user_email="mark.wood@example.com",
    timestamp=datetime(2023, 11, 2, 0, 30, 8, 276000, tzinfo=timezone.utc))
print("seed event: OK")
try:
    client.track_account_added_user(user_id="", group_id="acct1", user_role="Developer",
                                    user_email="not an email")
except TrackError as error:
    print("bad event:", error.code.name)
    for field, description in error.violations:
        print(f"{field}: {description}")
PY

start_trackd "$TRACKD"
for app in app wheel_app; do
  rc=0
  (cd "$TMP/$app" && timeout 60 venv/bin/python "$TMP/app/send_events.py" "127.0.0.1:$PORT") \
    >"$TMP/$app.out" 2>&1 || rc=$?
  echo "--- $app"; cat "$TMP/$app.out"
  [ "$rc" -eq 0 ] || fail "$app: program exited $rc"
  [ "$(sed -n 1p "$TMP/$app.out")" = "seed event: OK" ] || fail "$app: seed event not OK"
  [ "$(sed -n 2p "$TMP/$app.out")" = "bad event: INVALID_ARGUMENT" ] \
    || fail "$app: bad event not INVALID_ARGUMENT"
  # Exactly the two violations, each a field path with a description.
  fields=$(sed -n '3,$p' "$TMP/$app.out" | grep -E '^[a-z_.]+: .+' | cut -d: -f1 | sort | paste -sd,)
  [ "$fields" = "account_added_user.user_email,user_id" ] || fail "$app: violations were [$fields]"
  [ "$(wc -l <"$TMP/$app.out")" -eq 4 ] || fail "$app: more output than expected"
done
check_seed_stored
echo "consumer_python took $((SECONDS - started)) s"
