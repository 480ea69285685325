#!/usr/bin/env bash
# Generates the Python client code for proto/trackd/v1 into build/clients/python/gen (never
# committed), with grpc_tools.protoc from the pinned client/python/requirements.txt installed
# into the venv build/clients/python/venv. Idempotent: pip runs only when the venv is missing
# or requirements.txt changed; a second run only re-runs protoc (about a second).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/clients/python
VENV=$OUT/venv
REQ=client/python/requirements.txt
STAMP=$VENV/.requirements.sha256

# Debian's own python3 needs python3-venv for `python3 -m venv`.
python3 -c 'import ensurepip, venv' 2>/dev/null \
  || bash scripts/apt_install.sh python3-venv

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  timeout 600 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
  echo "$want" > "$STAMP"
fi

# grpc_tools.protoc adds its bundled google/protobuf/*.proto to the include path itself.
rm -rf "$OUT/gen"
mkdir -p "$OUT/gen"
"$VENV/bin/python" -m grpc_tools.protoc -I proto \
  --python_out="$OUT/gen" --pyi_out="$OUT/gen" --grpc_python_out="$OUT/gen" \
  proto/trackd/v1/track.proto
echo "generated Python client code in $OUT/gen/trackd/v1"
