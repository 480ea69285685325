#!/usr/bin/env bash
# Contract hygiene: the trackd.v1 contract in proto/ must not break clients
# generated from the released contract (proto/baseline/trackd_v1_image.json).
# Also proves the check can fail: a copy of proto/ with a renumbered field must
# be refused. Usage: buf_breaking.sh PATH_TO_BUF
set -euo pipefail
buf="$1"
root="$(cd "$(dirname "$0")/../.." && pwd)"
baseline="$root/proto/baseline/trackd_v1_image.json"

"$buf" breaking "$root/proto" --against "$baseline"
echo "buf breaking: proto/ is compatible with the released contract"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$root/proto/." "$scratch/"
sed -i 's/string user_id = 3 /string user_id = 30 /' "$scratch/trackd/v1/track.proto"
grep -q 'string user_id = 30 ' "$scratch/trackd/v1/track.proto"
if "$buf" breaking "$scratch" --against "$baseline" >"$scratch/out.txt" 2>&1; then
  echo "FAIL: buf breaking accepted a renumbered field"
  exit 1
fi
grep -q 'user_id' "$scratch/out.txt"
echo "buf breaking: a renumbered field is refused, as it must be"
