#!/usr/bin/env bash
# Builds the Python client package trackd-client (client/python) as a wheel into
# build/packages/python/ and prints the wheel's path on its last line:
#   bash scripts/package_python.sh
# pip builds client/python in place, so its setup.py finds proto/ two levels up and generates
# trackd/v1/track_pb2*.py with the pinned grpc_tools.protoc (nothing generated is committed).
# Install the result elsewhere with `pip install PATH/TO/trackd_client-1.0.0-py3-none-any.whl`.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/packages/python
VENV=$OUT/venv   # Only pip lives here; the build requirements go into pip's isolated env.

# Debian's own python3 needs python3-venv for `python3 -m venv`.
python3 -c 'import ensurepip, venv' 2>/dev/null \
  || bash scripts/apt_install.sh python3-venv

[ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
rm -f "$OUT"/trackd_client-*.whl
timeout 600 "$VENV/bin/pip" wheel --quiet --disable-pip-version-check --no-deps \
  --wheel-dir "$OUT" client/python >&2
wheel=$(ls "$OUT"/trackd_client-*.whl)
echo "built $(stat -c %s "$wheel") bytes" >&2
realpath "$wheel"
