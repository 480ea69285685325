# Sourced by tests/consumers/cpp_*.sh: expect_output FILE checks what main.cc printed.
# The seed event is accepted (with the message_id the client gave it); the bad event is
# INVALID_ARGUMENT with exactly its two field violations, read as data, in the contract's
# field paths.
expect_output() {
  local out=$1 want
  want=$(printf '%s\n' \
    'bad: INVALID_ARGUMENT' \
    'account_added_user.user_role: is required and must not be empty' \
    "account_added_user.user_email: must contain exactly one '@'")
  grep -Eq '^seed: accepted [0-9a-f-]{36}$' "$out" || { echo "seed event not accepted"; return 1; }
  [ "$(grep -v '^seed: ' "$out")" = "$want" ] \
    || { printf 'expected after the seed line:\n%s\n' "$want"; return 1; }
}
