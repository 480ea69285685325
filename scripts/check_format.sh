#!/usr/bin/env bash
# Fails, naming each file, when a C++ file of ours is not formatted as .clang-format says
# (Google style, 100 columns). Ours: the .h/.cc files under server client common bench fuzz
# tests sanitizers that git tracks or would track (generated code and build trees are
# ignored, so never listed). Run by ctest as check_format (label unit).
#   scripts/check_format.sh          check
#   scripts/check_format.sh --fix    format those files in place
# The version is pinned to Debian 12's clang-format 14 (installed by scripts/install_deps.sh,
# or here when missing): other versions format some constructs differently.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt_install.sh
command -v clang-format-14 >/dev/null || apt_install clang-format-14

files=()
while IFS= read -r f; do
  [ -f "$f" ] && files+=("$f")   # (not a file deleted in the work tree but still in the index)
done < <(git ls-files --cached --others --exclude-standard -- \
           server client common bench fuzz tests sanitizers | grep -E '\.(h|cc)$' | sort -u)
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
