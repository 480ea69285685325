#!/usr/bin/env bash
# Builds the trackd container image from deploy/Dockerfile with buildah (Debian's package; no
# Docker engine needed), as root, and reports its size. Not part of the tests.
#
#   scripts/build_image.sh [TAG]                 default TAG: trackd:<project version>
#   BUILD_IMAGE=debian:bookworm@sha256:… RUNTIME_IMAGE=debian:bookworm-slim@sha256:… \
#     scripts/build_image.sh                     pin the base images by digest
#   scripts/build_image.sh --debian-base-from-apt [TAG]
#                                                no container registry: bootstrap stand-ins for
#                                                the two Debian bases from this machine's apt
#                                                sources (mmdebstrap), then build on them
#
# Then push it: buildah push TAG docker://REGISTRY/trackd:VERSION (see docs/deploy.md).
# The base images come from your container registry (buildah's registries.conf); without
# --debian-base-from-apt the build fails at its first step when that registry cannot be reached.
set -euo pipefail
cd "$(dirname "$0")/.."

local_base=
if [ "${1:-}" = "--debian-base-from-apt" ]; then
  local_base=yes
  shift
fi
version=$(sed -n 's/^project(trackd VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tag=${1:-trackd:${version}}

source scripts/apt_install.sh
command -v buildah >/dev/null || apt_install buildah
if [ -n "$local_base" ]; then command -v mmdebstrap >/dev/null || apt_install mmdebstrap; fi

if [ -n "$local_base" ]; then
  # Debian 12 minbase root file systems from the Debian archive this machine's apt uses; the
  # slim one leaves out documentation, manuals and locales as debian:bookworm-slim does.
  sources=$(ls /etc/apt/sources.list.d/debian.sources 2>/dev/null || echo /etc/apt/sources.list)
  slim=(--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*'
        --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/info/*'
        --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
        --dpkgopt='path-exclude=/usr/share/groff/*' --dpkgopt='path-exclude=/usr/share/lintian/*')
  for variant in bookworm bookworm-slim; do
    image=localhost/trackd-base-debian:$variant
    if buildah inspect --type image "$image" >/dev/null 2>&1; then continue; fi
    rootfs=$(mktemp -d)
    extra=()
    if [ "$variant" = bookworm-slim ]; then extra=("${slim[@]}"); fi
    mmdebstrap --variant=minbase "${extra[@]}" bookworm "$rootfs/rootfs.tar" "$sources"
    ctr=$(buildah from scratch)
    tar -xf "$rootfs/rootfs.tar" -C "$(buildah mount "$ctr")"
    buildah umount "$ctr" >/dev/null
    buildah config --cmd /bin/bash \
      --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
    buildah commit --quiet "$ctr" "$image" >/dev/null
    buildah rm "$ctr" >/dev/null
    rm -rf "$rootfs"
    echo "bootstrapped $image"
  done
  BUILD_IMAGE=localhost/trackd-base-debian:bookworm
  RUNTIME_IMAGE=localhost/trackd-base-debian:bookworm-slim
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
if [ -n "${RUNTIME_IMAGE:-}" ]; then
  buildah images --format '{{.Name}}:{{.Tag}}  {{.ID}}  {{.Size}}  (runtime base)' "${RUNTIME_IMAGE}" 2>/dev/null || true
fi
buildah inspect --type image --format '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' "${tag}"
