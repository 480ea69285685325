# Sourced by tests/consumers/cpp_*.sh: expect_output FILE checks what main.cc printed.
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
