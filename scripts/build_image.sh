#!/usr/bin/env bash
# Builds the trackd container image from deploy/Dockerfile with buildah (Debian's package; no
# Docker engine needed), as root, and reports its size. Not part of the tests.
#
#   scripts/build_image.sh [TAG]                 default TAG: trackd:<project version>
#   BUILD_IMAGE=debian:bookworm@sha256:… RUNTIME_IMAGE=debian:bookworm-slim@sha256:… \
#     scripts/build_image.sh                     pin the base images by digest
#
# Then push it: buildah push TAG docker://REGISTRY/trackd:VERSION (see docs/deploy.md).
# The base images come from your container registry (buildah's registries.conf); the build
# fails at its first step when that registry cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^project(trackd VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tag=${1:-trackd:${version}}

if ! command -v buildah >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends buildah
fi

build_args=(--build-arg "VERSION=${version}"
            --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)"
            --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)")
if [ -n "${BUILD_IMAGE:-}" ]; then build_args+=(--build-arg "BUILD_IMAGE=${BUILD_IMAGE}"); fi
if [ -n "${RUNTIME_IMAGE:-}" ]; then build_args+=(--build-arg "RUNTIME_IMAGE=${RUNTIME_IMAGE}"); fi

# chroot isolation: no user namespaces or runc needed, which suits CI machines and containers.
buildah bud --isolation=chroot --format=oci --layers \
  -f deploy/Dockerfile --ignorefile deploy/Dockerfile.dockerignore \
  "${build_args[@]}" -t "${tag}" .

echo "built ${tag}"
buildah images --format '{{.Name}}:{{.Tag}}  {{.ID}}  {{.Size}}' "${tag}"
buildah inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "${tag}"
