#!/usr/bin/env bash
# The Python client is the package trackd-client (client/python): its build generates the
# trackd.v1 code from proto/. This builds its wheel (scripts/package_python.sh) and prints
# its path; `pip install` that wheel, or `pip install client/python`, to use the new code.
set -euo pipefail
exec bash "$(dirname "$0")/package_python.sh"
