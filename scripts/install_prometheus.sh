#!/usr/bin/env bash
# Puts Debian 12's Prometheus and promtool into build/tools/prometheus/ (or $1) and prints that
# directory. The binaries are taken out of the package with dpkg-deb rather than installed:
# installing the package would register a system service, which on some machines starts a
# Prometheus listening on every address; the tests start their own, on loopback only.
# Skipped when the wanted version is already there.
set -euo pipefail

PROMETHEUS_VERSION=2.42.0  # Debian 12 (bookworm): prometheus 2.42.0+ds

root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$root/build/tools/prometheus}
have() { [ -x "$dest/promtool" ] && "$dest/promtool" --version 2>&1 | grep -q "version $PROMETHEUS_VERSION"; }
if have; then echo "$dest"; exit 0; fi

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
if ! apt-cache show prometheus >/dev/null 2>&1; then
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
fi
version=$(apt-cache madison prometheus | awk -v v="$PROMETHEUS_VERSION" '$3 ~ "^"v"[+]" {print $3; exit}')
if [ -z "$version" ]; then
  echo "install_prometheus.sh: Debian offers no prometheus $PROMETHEUS_VERSION (apt-cache madison prometheus)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download writes as the _apt user where it can; a private directory it can write to
# keeps that sandbox (and its warning) out of the way.
chmod 777 "$work"
(cd "$work" && apt-get download -qq "prometheus=$version" 2>/dev/null)
dpkg-deb -x "$work"/prometheus_*.deb "$work/x"
mkdir -p "$dest"
install -m 755 "$work/x/usr/bin/prometheus" "$work/x/usr/bin/promtool" "$dest/"
have || { echo "install_prometheus.sh: $dest/promtool is not $PROMETHEUS_VERSION" >&2; exit 1; }
echo "$dest"
