#!/usr/bin/env bash
# Consumer test: the npm package trackd-client, used the way docs/clients.md (Node) tells
# another team to use it.
#   bash tests/consumers/node.sh PATH/TO/trackd
# Builds the package and runs its unit tests (scripts/gen_clients_node.sh --test); makes an
# empty project in a temporary directory outside the repository (npm init -y), installs the
# package there with npm install (the tarball in one, a checkout's folder in another), and runs the ten-line program of docs/clients.md
# (taken from the page, so the page cannot go stale) against trackd on a free loopback
# port. Checks: the seed event is accepted under a UUIDv7 message_id (filled in by the package;
# its unit tests pin that it fills it, as the server would too), the bad event's violations are printed as `field: description` for exactly user_id and
# account_added_user.user_email, and the seed event's documented JSON line is stored.
set -euo pipefail
TRACKD=$(realpath "${1:?usage: node.sh PATH/TO/trackd}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/tests/interop/trackd_server.sh"
begin_test consumer_node
fail() { echo "consumer_node: $*" >&2; exit 1; }

bash "$ROOT/scripts/gen_clients_node.sh" --test >"$TMP/gen.log" 2>&1 \
  || { cat "$TMP/gen.log"; fail "building the package or its unit tests failed"; }
grep -E '^Node package: |^# (pass|fail) ' "$TMP/gen.log"
TARBALL=$(sed -n 's/^Node package: \([^ ]*\.tgz\) .*/\1/p' "$TMP/gen.log")
[ -f "$ROOT/$TARBALL" ] || fail "no tarball named in the build output"

# The ten-line program: the first ```js block of the Node section of docs/clients.md.
# Two empty projects: one installs the tarball, one the folder of a checkout (packed as it is,
# --install-links, so its dependencies are installed too, as from a registry).
PROGRAM=$TMP/app.mjs
awk '/^## /{node = ($0 == "## Node")} node && /^```js$/{code = 1; next}
     code && /^```$/{exit} code' "$ROOT/docs/clients.md" >"$PROGRAM"
[ -s "$PROGRAM" ] || fail "no js block in the Node section of docs/clients.md"
install_into() {  # DIR, then npm install's arguments
  local app=$1
  shift
  mkdir "$app" && cp "$PROGRAM" "$app/app.mjs"
  (cd "$app" && npm init -y >/dev/null \
    && timeout 600 npm install --no-audit --no-fund --loglevel=error "$@")
}
install_into "$TMP/from-tarball" "$ROOT/$TARBALL" || fail "npm install of the tarball failed"
install_into "$TMP/from-path" --install-links "$ROOT/client/node" \
  || fail "npm install --install-links of client/node failed"

start_trackd "$TRACKD"
UUID7='[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}'
for app in from-tarball from-path; do
  rc=0
  (cd "$TMP/$app" && timeout 60 node app.mjs "127.0.0.1:$PORT") >"$TMP/out" 2>&1 || rc=$?
  echo "--- $app"
  cat "$TMP/out"
  [ "$rc" -eq 0 ] || fail "$app: the program exited $rc"
  grep -Eqx "seed event: OK message_id=$UUID7" "$TMP/out" \
    || fail "$app: seed event not accepted under a UUIDv7 message_id"
  fields=$(grep -v '^seed event: ' "$TMP/out" | sed -n 's/^\([^ :]*\): .\{1,\}$/\1/p' | sort | paste -sd' ')
  [ "$fields" = "account_added_user.user_email user_id" ] \
    || fail "$app: violations named [$fields], want [account_added_user.user_email user_id]"
  [ "$(wc -l <"$TMP/out")" -eq 3 ] || fail "$app: want 3 lines of output"
done
check_seed_stored
