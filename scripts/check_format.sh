#!/usr/bin/env bash
# Fails, naming each file, when a C++ file of ours is not formatted as .clang-format says
# (Google style, 100 columns). Ours: the .h/.cc files under server client common include tools bench
# fuzz tests sanitizers, less generated code and build trees (scripts/list_cxx_files.sh). Run by
# ctest as check_format (label unit).
#   scripts/check_format.sh          check
#   scripts/check_format.sh --fix    format those files in place
# The version is pinned to Debian 12's clang-format 14 (installed by scripts/install_deps.sh,
# or here when missing): other versions format some constructs differently.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt_install.sh
command -v clang-format-14 >/dev/null || apt_install clang-format-14

mapfile -t files < <(bash scripts/list_cxx_files.sh \
  server client common include tools bench fuzz tests sanitizers)
if [ "${1:-}" = "--fix" ]; then
  clang-format-14 -i "${files[@]}"
  exit 0
fi

unformatted=()
for f in "${files[@]}"; do
  clang-format-14 --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "${#unformatted[@]} of ${#files[@]} C++ files are not formatted (.clang-format);" \
       "fix with: clang-format-14 -i FILE, or scripts/check_format.sh --fix" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "all ${#files[@]} C++ files formatted"
