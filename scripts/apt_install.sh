#!/usr/bin/env bash
# The one place trackd's scripts install Debian packages: apt_install PKG... installs those of
# PKG that dpkg does not list as installed, as root directly or through sudo otherwise, and
# does nothing (not even apt-get update) when all are there. Use it as
#   source scripts/apt_install.sh && apt_install PKG...     (from another script)
#   bash scripts/apt_install.sh PKG...                      (from a shell)
# A caller that accepts a tool from elsewhere (npm from the machine image, a newer Java) checks
# for the tool first and calls apt_install only when it is missing.

apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  # sudo drops the environment, so DEBIAN_FRONTEND is passed through env, not exported.
  local as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  echo "installing from Debian: ${missing[*]}" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  apt_install "$@"
fi
