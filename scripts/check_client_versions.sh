#!/usr/bin/env bash
# Fails, naming each package, unless the five client packages carry one version whose major
# is the contract's package version (trackd.v1 -> 1.x): the C++ package
# (TRACKD_PACKAGE_VERSION in CMakeLists.txt), Python (client/python/pyproject.toml), Go (the
# version docs/clients.md tells `go get` to take), Java (client/java/pom.xml) and Node
# (client/node/package.json). Run by ctest as check_client_versions (label unit).
set -euo pipefail
cd "$(dirname "$0")/.."

contract_major=$(sed -n 's/^package trackd\.v\([0-9]\+\);$/\1/p' proto/trackd/v1/track.proto)
declare -A versions=(
  [C++]=$(sed -n 's/^set(TRACKD_PACKAGE_VERSION \([^)]*\))$/\1/p' CMakeLists.txt)
  [Python]=$(sed -n 's/^version = "\(.*\)"$/\1/p' client/python/pyproject.toml)
  [Go]=$(sed -n 's@^go get trackd/client/go\@v\([^ ]*\)$@\1@p' docs/clients.md | head -n 1)
  [Java]=$(awk '/<artifactId>trackd-client<\/artifactId>/{found = 1; next}
                found && /<version>/{gsub(/.*<version>|<\/version>.*/, ""); print; exit}' \
             client/java/pom.xml)
  [Node]=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' client/node/package.json)
)
want=${versions[C++]}
status=0
for package in C++ Python Go Java Node; do
  version=${versions[$package]}
  if [ -z "$version" ]; then
    echo "$package: no version found" >&2
    status=1
  elif [ "$version" != "$want" ]; then
    echo "$package: version $version, but the C++ package is $want: raise them together" >&2
    status=1
  fi
done
if [ "${want%%.*}" != "$contract_major" ]; then
  echo "the packages are $want, but the contract is trackd.v$contract_major: want $contract_major.x" >&2
  status=1
fi
[ "$status" -eq 0 ] && echo "client packages: all $want, for trackd.v$contract_major"
exit "$status"
