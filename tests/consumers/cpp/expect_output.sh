# Sourced by tests/consumers/cpp_*.sh: expect_output FILE checks what main.cc printed;
# The seed event is accepted (OK); the bad event is INVALID_ARGUMENT with exactly its two
# field violations, read as data, in the contract's field paths.
expect_output() {
  local out=$1 want
  want=$(printf '%s\n' \
    'seed: OK' \
    'bad: INVALID_ARGUMENT' \
    'account_added_user.user_role: is required and must not be empty' \
    "account_added_user.user_email: must contain exactly one '@'")
  [ "$(cat "$out")" = "$want" ] || { printf 'expected:\n%s\n' "$want"; return 1; }
}

# build_and_run_app: builds the consumer project in $TMP/app/build, runs it against a live
# trackd ($TRACKD, started here) and checks its output and that the seed event is stored.
build_and_run_app() {
  cmake --build "$TMP/app/build" >"$TMP/app_build.log" 2>&1 \
    || { tail -n 30 "$TMP/app_build.log"; fail "the consumer project did not build"; }
  start_trackd "$TRACKD"
  local rc=0
  timeout 60 "$TMP/app/build/app" "127.0.0.1:$PORT" >"$TMP/out" 2>&1 || rc=$?
  cat "$TMP/out"
  [ "$rc" -eq 0 ] || fail "the program exited $rc"
  expect_output "$TMP/out" || fail "unexpected output"
  check_seed_stored
}
