#!/usr/bin/env bash
# After a change to proto/, brings every client package up to date (docs/clients.md, "After
# a contract change"): builds the Python wheel, regenerates the Go module's committed code,
# installs the Java artifact into the local Maven repository, refreshes the Node package's
# copies of the contract and builds its tarball. C++ needs nothing: CMake regenerates.
# Commit what changes under client/go and client/node.
# Pass language names to do only some: scripts/gen_clients.sh python go
set -euo pipefail
cd "$(dirname "$0")/.."
languages=("$@")
[ ${#languages[@]} -gt 0 ] || languages=(python go java node)
for language in "${languages[@]}"; do
  case "$language" in
    python|go) bash "scripts/gen_clients_${language}.sh" ;;
    java) bash scripts/gen_clients_java.sh install ;;
    node) bash scripts/gen_clients_node.sh --update ;;
    *) echo "unknown language: $language (python, go, java, node)" >&2; exit 2 ;;
  esac
done
