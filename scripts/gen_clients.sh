#!/usr/bin/env bash
# Generates trackd's clients from proto/ for every language: Python, Go, Java and
# Node (generated code is never committed; see docs/clients.md for where each lands).
# Pass language names to generate only some: scripts/gen_clients.sh python go
set -euo pipefail
cd "$(dirname "$0")/.."
languages=("$@")
[ ${#languages[@]} -gt 0 ] || languages=(python go java node)
for language in "${languages[@]}"; do
  case "$language" in
    python|go|java|node) bash "scripts/gen_clients_${language}.sh" ;;
    *) echo "unknown language: $language (python, go, java, node)" >&2; exit 2 ;;
  esac
done
