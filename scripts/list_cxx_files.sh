#!/usr/bin/env bash
# Prints our C++ files (.h, .cc) under the directories given, one a line, sorted: those git
# tracks or would track, so generated code and build trees (.gitignore) are never listed.
# Outside a git checkout (a source tarball) it lists the files find sees, less the client
# build trees that .gitignore names. Used by check_format.sh and check_structure.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files --cached --others --exclude-standard -- "$@"
else
  find "$@" -type f -not -path 'client/go/gen/*' -not -path 'client/java/target/*' 2>/dev/null
fi | grep -E '\.(h|cc)$' | sort -u | while IFS= read -r f; do
  # (not a file deleted in the work tree but still in git's index)
  if [ -f "$f" ]; then printf '%s\n' "$f"; fi
done
