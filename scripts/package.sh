#!/usr/bin/env bash
# Builds the Debian package from the release preset: build/release/sc-agent_<version>_<arch>.deb.
# Usage: scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# dpkg-shlibdeps (dpkg-dev) computes the package's library Depends; CPack finds the ELF files to
# give it with file(1).
missing=()
for pkg in dpkg-dev file; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

scripts/setup.sh release sc-agent
cd build/release
cpack -G DEB
ls -1 "$PWD"/sc-agent_*.deb
